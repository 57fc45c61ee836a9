using OpenIddict.Abstractions;

namespace FhirPortal.Server.Security;

/// <summary>
/// The origins of registered clients' redirect URIs, so a browser SMART app needs no extra CORS setting. The set is
/// reloaded when an unknown origin asks and the last load is older than <see cref="MaxAge"/>, so a newly registered
/// client works within seconds while unknown origins cannot make every request hit the client table; and when a known
/// origin asks and the load is older than <see cref="KnownMaxAge"/>, so a deleted client's origin (or a redirect URI
/// taken off a client) stops being allowed within about a minute.
/// </summary>
internal sealed class RegisteredClientOrigins(IServiceScopeFactory scopes, TimeProvider clock, ILogger<RegisteredClientOrigins> logger) : IAllowedOrigins
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan KnownMaxAge = TimeSpan.FromSeconds(60);
    private readonly Lock _reload = new();
    private HashSet<string> _origins = [];
    private long _loadedTicks = DateTimeOffset.MinValue.UtcTicks;

    public bool IsAllowed(string origin)
    {
        if (FhirCors.OriginOf(origin) is not { } normalized) return false;
        if (Volatile.Read(ref _origins).Contains(normalized))
        {
            if (Age <= KnownMaxAge || !_reload.TryEnter()) return true;
            // One caller re-reads a stale set; the others answer from the current one meanwhile.
            try
            {
                if (Age > KnownMaxAge) Reload();
                return _origins.Contains(normalized);
            }
            finally { _reload.Exit(); }
        }
        lock (_reload)
        {
            if (Age > MaxAge) Reload();
            return _origins.Contains(normalized);
        }
    }

    private TimeSpan Age => clock.GetUtcNow() - new DateTimeOffset(Interlocked.Read(ref _loadedTicks), TimeSpan.Zero);

    private void Reload()
    {
        try
        {
            using var scope = scopes.CreateScope();
            if (scope.ServiceProvider.GetService<IOpenIddictApplicationManager>() is not { } applications) return;
            // Note: the CORS policy asks synchronously; this runs at most once per MaxAge, for an origin not yet known.
            Volatile.Write(ref _origins, LoadAsync(applications).GetAwaiter().GetResult());
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not read the registered clients' redirect URIs for CORS.");
        }
        Interlocked.Exchange(ref _loadedTicks, clock.GetUtcNow().UtcTicks);
    }

    private static async Task<HashSet<string>> LoadAsync(IOpenIddictApplicationManager applications)
    {
        var origins = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var application in applications.ListAsync())
            foreach (var uri in await applications.GetRedirectUrisAsync(application))
                if (FhirCors.OriginOf(uri) is { } origin) origins.Add(origin);
        return origins;
    }
}
