using System.Net;
using FhirPortal.Auth.Handlers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FhirPortal.Auth.Tests.Smart;

/// <summary>Two fetches of one client key set in flight: the one that started later is kept, even when the older answers last.</summary>
public sealed class ClientJwksCacheRaceTests
{
    private sealed class Handler : HttpMessageHandler
    {
        public readonly TaskCompletionSource ReleaseFirst = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            if (call == 1) await ReleaseFirst.Task; // the old set, answered late
            var keys = call == 1 ? """{"keys":[{"kty":"oct","kid":"k1","k":"AAAA"}]}"""
                                 : """{"keys":[{"kty":"oct","kid":"k1","k":"AAAA"},{"kty":"oct","kid":"k2","k":"BBBB"}]}""";
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(keys) };
        }
    }

    private sealed class Factory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }

    [Fact]
    public async Task A_late_older_fetch_does_not_replace_a_newer_one()
    {
        var handler = new Handler();
        var cache = new ClientJwksCache(new Factory(handler), new FakeTimeProvider(DateTimeOffset.UtcNow), NullLogger<ClientJwksCache>.Instance);
        var slow = cache.GetAsync("https://client.example/jwks", refresh: false, default);
        var fresh = await cache.GetAsync("https://client.example/jwks", refresh: true, default);
        Assert.Contains(fresh!.Keys, k => k.Kid == "k2");
        handler.ReleaseFirst.SetResult();
        await slow;
        var next = await cache.GetAsync("https://client.example/jwks", refresh: true, default);
        Assert.Contains(next!.Keys, k => k.Kid == "k2");
    }
}
