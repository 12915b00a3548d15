using System.Diagnostics;

namespace NetGen.Tests;

/// <summary>
/// Runs the kernel and generated-network checks (tests/NetGen.KernelChecks) in child processes with instruction sets
/// turned off, so the Vector512, Vector256, Vector128 and scalar paths are all exercised by the one test command.
/// </summary>
public class InstructionSetTests
{
    [Theory]
    [InlineData(null, null, "Vector512 True, Vector256 True, Vector128 True")]
    [InlineData("DOTNET_EnableAVX512", "0", "Vector512 False, Vector256 True, Vector128 True")]
    [InlineData("DOTNET_EnableAVX2", "0", "Vector512 False, Vector256 False, Vector128 True")]
    [InlineData("DOTNET_EnableHWIntrinsic", "0", "Vector512 False, Vector256 False, Vector128 False")]
    public void KernelChecksPassOnEveryInstructionSetLevel(string? variable, string? value, string expectedWidths)
    {
        string program = AppContext.BaseDirectory.Replace(
            $"{Path.DirectorySeparatorChar}NetGen.Tests{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}",
            $"{Path.DirectorySeparatorChar}NetGen.KernelChecks{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") + "NetGen.KernelChecks.dll";
        Assert.True(File.Exists(program), $"{program} was not built");

        var start = new ProcessStartInfo("dotnet", [program]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string name in new[] { "DOTNET_EnableAVX512", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic" })
            start.Environment.Remove(name);
        if (variable is not null) start.Environment[variable] = value;
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "the kernel checks did not finish within two minutes");

        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{output}\n{error}");
        // On a machine without AVX-512 the first rows cannot hold; require only what the settings forced off.
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") is null && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
            Assert.Contains(expectedWidths, output);
        Assert.Contains("checks passed", output);
    }
}
