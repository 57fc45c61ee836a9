using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using FhirPortal.Core.Subscriptions;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server.Subscriptions;

/// <summary>
/// POSTs notifications over HTTP. The connection itself re-checks every address it is about to connect to
/// (<see cref="EndpointGuard.IsPublic"/>), so a name that resolved to a public address when the subscription was
/// written and to an internal one now (DNS rebinding) is still refused. No redirects are followed.
/// </summary>
internal sealed class RestHookChannel : IRestHookChannel, IDisposable
{
    private readonly HttpClient _client;

    public RestHookChannel(IOptions<SubscriptionOptions> options)
    {
        var o = options.Value;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = async (context, ct) =>
            {
                var addresses = IPAddress.TryParse(context.DnsEndPoint.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
                var allowed = addresses.Where(a => o.AllowPrivateAddresses || EndpointGuard.IsPublic(a)).ToArray();
                if (allowed.Length == 0)
                    throw new HttpRequestException($"{context.DnsEndPoint.Host} resolves to no public address; the server does not call internal addresses.");
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _client = new HttpClient(handler) { Timeout = o.RequestTimeout };
    }

    public async Task<string?> PostAsync(Uri endpoint, IReadOnlyList<string> headers, string contentType, byte[] body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        foreach (var header in headers)
        {
            var colon = header.IndexOf(':');
            if (colon > 0) request.Headers.TryAddWithoutValidation(header[..colon].Trim(), header[(colon + 1)..].Trim());
        }
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            return response.IsSuccessStatusCode ? null : $"The endpoint answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return $"The endpoint could not be reached: {e.Message}";
        }
    }

    public void Dispose() => _client.Dispose();
}
