using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace FhirPortal.Auth.Handlers;

/// <summary>
/// Clients' key sets fetched from their registered <c>jwks_uri</c> (SMART Backend Services): kept as long as the
/// response's <c>Cache-Control: max-age</c> says (five minutes without one, a day at most), fetched again earlier when
/// an assertion names a key the set lacks (the client added a key), but at most once per <see cref="MinRefetchInterval"/>
/// per URL, so unknown key ids cannot make the server hammer a client's key server.
/// </summary>
public sealed class ClientJwksCache(IHttpClientFactory httpClients, TimeProvider time, ILogger<ClientJwksCache> logger)
{
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromMinutes(5), LongestMaxAge = TimeSpan.FromDays(1);
    public static readonly TimeSpan MinRefetchInterval = TimeSpan.FromSeconds(30);

    private sealed record Entry(JsonWebKeySet? Keys, DateTimeOffset FetchedAt, DateTimeOffset FreshUntil)
    {
        /// <summary>Which fetch started later (clock readings can tie).</summary>
        public long Started { get; init; }
    }

    private long _fetches;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The key set at <paramref name="uri"/>; null when it cannot be fetched or read.</summary>
    /// <param name="refresh">The caller needs a key the cached set lacks: fetch again unless fetched very recently.</param>
    public async Task<JsonWebKeySet?> GetAsync(string uri, bool refresh, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(uri, out var entry)
            && (refresh ? now - entry.FetchedAt < MinRefetchInterval : now < entry.FreshUntil))
            return entry.Keys;
        var started = Interlocked.Increment(ref _fetches);
        var fetched = await FetchAsync(uri, now, cancellationToken) with { Started = started };
        // A fetch the caller abandoned says nothing about the key set: keep what is cached.
        if (cancellationToken.IsCancellationRequested) return fetched.Keys;
        // Keep the fetch that started last: a slow (or timed-out) one that started earlier must not replace a newer key set.
        _entries.AddOrUpdate(uri, fetched, (_, old) => old.Started > fetched.Started ? old : fetched);
        return fetched.Keys;
    }

    private async Task<Entry> FetchAsync(string uri, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await httpClients.CreateClient(ClientProperties.JwksHttpClient).GetAsync(uri, cancellationToken);
            response.EnsureSuccessStatusCode();
            var keys = new JsonWebKeySet(await response.Content.ReadAsStringAsync(cancellationToken));
            var cacheControl = response.Headers.CacheControl;
            var maxAge = cacheControl is null ? DefaultMaxAge
                : cacheControl.NoStore || cacheControl.NoCache ? TimeSpan.Zero
                : cacheControl.MaxAge ?? DefaultMaxAge;
            return new Entry(keys, now, now + (maxAge < LongestMaxAge ? maxAge : LongestMaxAge));
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or ArgumentException or TaskCanceledException)
        {
            // Note: an unreachable key URL fails the client's authentication (invalid_client), never the server; the
            // failure is remembered for the refetch interval so a broken URL is not hit on every request.
            logger.LogWarning(e, "Could not fetch the JWKS of a client from {Uri}", uri);
            return new Entry(null, now, now + MinRefetchInterval);
        }
    }
}
