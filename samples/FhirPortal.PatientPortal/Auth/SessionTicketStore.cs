using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;

namespace FhirPortal.PatientPortal.Auth;

/// <summary>
/// Keeps each signed-in session (principal and tokens) on the server; the browser's cookie holds only the session key.
/// Over <see cref="IDistributedCache"/>: in memory by default, Redis or SQL Server for more than one instance.
/// </summary>
public sealed class SessionTicketStore(IDistributedCache cache, IOptions<PortalOptions> options) : ITicketStore
{
    /// <summary>The claim holding the session key, added at sign-in (also the key of the refresh lock).</summary>
    public const string SessionClaim = "portal_session";

    private static readonly TicketSerializer Serializer = TicketSerializer.Default;

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = ticket.Principal.FindFirst(SessionClaim)?.Value ?? Guid.NewGuid().ToString("N");
        await RenewAsync(key, ticket);
        return key;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) =>
        cache.SetAsync(CacheKey(key), Serializer.Serialize(ticket), new DistributedCacheEntryOptions { SlidingExpiration = options.Value.SessionIdleTimeout });

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        var bytes = await cache.GetAsync(CacheKey(key));
        return bytes is null ? null : Serializer.Deserialize(bytes);
    }

    public Task RemoveAsync(string key) => cache.RemoveAsync(CacheKey(key));

    private static string CacheKey(string key) => "portal-session:" + key;
}
