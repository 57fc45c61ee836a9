using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FhirPortal.Auth.Tests.Smart;

/// <summary>A client's JWKS URL for tests: a real HTTP listener on 127.0.0.1 serving a key set that the test may change.</summary>
public sealed class LoopbackJwksServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private int _requests;

    public LoopbackJwksServer()
    {
        // Note: a free port is found by binding port 0, then handed to HttpListener (it cannot bind port 0 itself).
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port}/jwks.json";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _ = ServeAsync();
    }

    public string Url { get; }

    /// <summary>The key set served (JWKS JSON).</summary>
    public string Jwks { get; set; } = """{"keys":[]}""";

    /// <summary>The Cache-Control header sent with it, if any.</summary>
    public string? CacheControl { get; set; }

    /// <summary>How many times the key set was fetched.</summary>
    public int Requests => Volatile.Read(ref _requests);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            Interlocked.Increment(ref _requests);
            var body = Encoding.UTF8.GetBytes(Jwks);
            context.Response.ContentType = "application/json";
            if (CacheControl is { } cacheControl) context.Response.Headers["Cache-Control"] = cacheControl;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    public void Dispose() => _listener.Close();
}
