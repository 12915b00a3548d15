using System.Diagnostics;
using PuppeteerSharp;

namespace NetGen.Web.Tests;

/// <summary>
/// samples/DigitsWeb published, served from 127.0.0.1, and a headless Chromium to open it in: made once for the browser
/// tests. The publish is the app's own <c>dotnet publish</c> (trimmed, compressed), run here so a clean clone needs
/// nothing but <c>dotnet test</c>; the project reference builds the app first, so this step only trims and packs it.
/// </summary>
public sealed class PublishedApp : IAsyncLifetime
{
    /// <summary>Debian's <c>chromium</c> package installs the browser here.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Why the browser tests cannot run here (no Chromium), or null.</summary>
    public string? Unavailable { get; private set; }

    public StaticFileServer Server { get; private set; } = default!;
    public IBrowser Browser { get; private set; } = default!;
    public string PublishFolder { get; } = Path.Combine(AppContext.BaseDirectory, "digitsweb-publish");
    public TimeSpan PublishTime { get; private set; }

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            Unavailable = $"Chromium is not installed at {ChromiumPath}: install Debian's package with `apt-get install -y chromium` " +
                          "(.ci/run installs it when it is missing).";
            return;
        }

        var started = Stopwatch.StartNew();
        Publish();
        PublishTime = started.Elapsed;
        Server = new StaticFileServer(Path.Combine(PublishFolder, "wwwroot"));
        Browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = ChromiumPath, // never a downloaded browser
            Headless = true,
            // Root (CI runs as root) needs --no-sandbox; /dev/shm may be small in containers.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-extensions", "--no-first-run"],
            Timeout = 60_000,
        });
    }

    private void Publish()
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        string project = Path.Combine(FindRepository(), "samples", "DigitsWeb", "DigitsWeb.csproj");
        if (Directory.Exists(PublishFolder)) Directory.Delete(PublishFolder, recursive: true);
        var start = new ProcessStartInfo("dotnet", ["publish", project, "-c", configuration, "-o", PublishFolder, "-nologo", "--no-restore", "--disable-build-servers"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The test host inherits the outer build's MSBuild settings; the publish is a build of its own.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet publish {project} did not finish within 5 minutes.");
        }
        string output = standardOutput.Result;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dotnet publish {project} failed with exit code {process.ExitCode}:\n{output}\n{error.Result}");
        if (!File.Exists(Path.Combine(PublishFolder, "wwwroot", "index.html")))
            throw new InvalidOperationException($"dotnet publish {project} wrote no wwwroot/index.html to {PublishFolder}.\n{output}");
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NetGen.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("NetGen.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Fails when CI=true and Chromium is missing (CI must install it), skips with the reason otherwise.</summary>
    public void RequireBrowser()
    {
        if (Unavailable is null) return;
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail(Unavailable);
        Skip.If(true, Unavailable);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        Browser?.Dispose();
        Server?.Dispose();
    }
}
