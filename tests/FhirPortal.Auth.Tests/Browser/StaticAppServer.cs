using System.Net;
using System.Net.Sockets;

namespace FhirPortal.Auth.Tests.Browser;

/// <summary>
/// Serves a SMART app's files on its own loopback origin (not the FHIR server's), so the browser calls the token
/// endpoint and the FHIR API cross-origin as a deployed app would. HttpListener keeps it apart from ASP.NET hosting.
/// </summary>
public sealed class StaticAppServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly IReadOnlyDictionary<string, string> _files;
    private readonly Task _loop;

    /// <param name="files">URL path (e.g. "/index.html") → file on disk.</param>
    public StaticAppServer(IReadOnlyDictionary<string, string> files)
    {
        _files = files;
        // HttpListener cannot bind port 0: take a free port from the OS, then listen on it.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Origin = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Origin + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Origin { get; }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            using var response = context.Response;
            if (_files.TryGetValue(context.Request.Url!.AbsolutePath, out var file))
            {
                response.ContentType = file.EndsWith(".js", StringComparison.Ordinal) ? "text/javascript; charset=utf-8" : "text/html; charset=utf-8";
                var bytes = await File.ReadAllBytesAsync(file);
                await response.OutputStream.WriteAsync(bytes);
            }
            else response.StatusCode = 404;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
