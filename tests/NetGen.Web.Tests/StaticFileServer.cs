using System.Net;
using System.Net.Sockets;

namespace NetGen.Web.Tests;

/// <summary>
/// Serves a folder from 127.0.0.1 on a free port, as any static host would serve a published Blazor WebAssembly app:
/// the MIME types the app needs, and a file's precompressed <c>.br</c> (or <c>.gz</c>) twin with Content-Encoding when
/// the browser accepts it. Unknown paths get 404; paths outside the folder are refused.
/// </summary>
public sealed class StaticFileServer : IDisposable
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".mjs"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".json"] = "application/json",
        [".wasm"] = "application/wasm",
        [".dat"] = "application/octet-stream",
        [".gz"] = "application/gzip",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
        [".svg"] = "image/svg+xml",
    };

    private readonly string _root;
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public StaticFileServer(string root)
    {
        _root = Path.GetFullPath(root) + Path.DirectorySeparatorChar;
        int port = FreePort();
        BaseAddress = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(BaseAddress);
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public string BaseAddress { get; }

    /// <summary>The number of requests answered with a compressed file, so a test can tell they were used.</summary>
    public int CompressedResponses => _compressed;
    private int _compressed;

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            catch (HttpListenerException) { return; }
            _ = Task.Run(() => Answer(context));
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            string path = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath).TrimStart('/');
            if (path.Length == 0) path = "index.html";
            string file = Path.GetFullPath(Path.Combine(_root, path));
            if (!file.StartsWith(_root, StringComparison.Ordinal) || !File.Exists(file))
            {
                response.StatusCode = 404;
                return;
            }

            response.ContentType = ContentTypes.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream");
            response.Headers["Cache-Control"] = "no-cache";
            string accepted = context.Request.Headers["Accept-Encoding"] ?? "";
            if (accepted.Contains("br") && File.Exists(file + ".br")) Compressed(file + ".br", "br");
            else if (accepted.Contains("gzip") && !file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) && File.Exists(file + ".gz")) Compressed(file + ".gz", "gzip");

            byte[] content = File.ReadAllBytes(file);
            response.ContentLength64 = content.Length;
            response.OutputStream.Write(content);

            void Compressed(string compressed, string encoding)
            {
                file = compressed;
                response.Headers["Content-Encoding"] = encoding;
                response.Headers["Vary"] = "Accept-Encoding";
                Interlocked.Increment(ref _compressed);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested) { }
        catch (HttpListenerException) { } // the browser went away mid-response
        finally
        {
            try { response.Close(); } catch (Exception) { }
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
