using OpenIddict.Abstractions;

namespace FhirPortal.Server.Security;

/// <summary>
/// The origins of registered clients' redirect URIs, so a browser SMART app needs no extra CORS setting. The set is
/// reloaded when an unknown origin asks and the last load is older than <see cref="MaxAge"/>, so a newly registered
/// client works within seconds while unknown origins cannot make every request hit the client table.
/// </summary>
internal sealed class RegisteredClientOrigins(IServiceScopeFactory scopes, TimeProvider clock, ILogger<RegisteredClientOrigins> logger) : IAllowedOrigins
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);
    private readonly Lock _reload = new();
    private HashSet<string> _origins = [];
    private DateTimeOffset _loaded = DateTimeOffset.MinValue;

    public bool IsAllowed(string origin)
    {
        if (FhirCors.OriginOf(origin) is not { } normalized) return false;
        if (Volatile.Read(ref _origins).Contains(normalized)) return true;
        lock (_reload)
        {
            if (clock.GetUtcNow() - _loaded > MaxAge) Reload();
            return _origins.Contains(normalized);
        }
    }

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
        _loaded = clock.GetUtcNow();
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
