using System.Collections.Specialized;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FhirPortal.Server.Tests.Notifications;

/// <summary>
/// A stand-in for Twilio's REST API on loopback (HttpListener): records each request (method, path, Authorization
/// header, form fields) and answers as Twilio does for a queued message, or with <see cref="FailWith"/>.
/// </summary>
public sealed class FakeTwilio : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public FakeTwilio()
    {
        Port = FreePort();
        BaseUrl = $"http://127.0.0.1:{Port}";
        _listener.Prefixes.Add($"{BaseUrl}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }
    public string BaseUrl { get; }

    /// <summary>A status to answer with instead of 201 (e.g. 500), or null.</summary>
    public HttpStatusCode? FailWith { get; set; }

    public List<(string Method, string Path, string? Authorization, NameValueCollection Form)> Requests { get; } = [];

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var form = System.Web.HttpUtility.ParseQueryString(await reader.ReadToEndAsync());
            lock (Requests) Requests.Add((context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.Headers["Authorization"], form));
            var status = FailWith ?? HttpStatusCode.Created;
            var body = status == HttpStatusCode.Created
                ? $$"""{"sid":"SM{{Guid.NewGuid():N}}","status":"queued","to":"{{form["To"]}}","from":"{{form["From"]}}","body":"queued"}"""
                : """{"code":20500,"message":"Internal Server Error","status":500}""";
            context.Response.StatusCode = (int)status;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(body);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
