using System.Globalization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Billing;

/// <summary>
/// The guest bill-pay session: a cookie holding the Account id and an expiry, protected with Data Protection under a
/// purpose of its own (so it opens nothing else, and no other cookie opens it), httpOnly, SameSite strict, path /billing.
/// The expiry is checked against the host's clock, not the cookie's own lifetime, so a kept cookie does not outlive it.
/// </summary>
public sealed class GuestSessions(IDataProtectionProvider protection, IOptions<GuestPayOptions> options, TimeProvider clock)
{
    public const string CookieName = "FhirPortal.GuestPay";
    private readonly IDataProtector _protector = protection.CreateProtector("FhirPortal.Billing.GuestSession.v1");

    /// <summary>Opens a session on <paramref name="accountId"/>.</summary>
    public void Start(HttpContext http, string accountId)
    {
        var expires = clock.GetUtcNow() + options.Value.SessionLifetime;
        var value = _protector.Protect($"{accountId}\n{expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}");
        http.Response.Cookies.Append(CookieName, value, Cookie(http, expires));
    }

    /// <summary>The session's Account id, or null when there is none, it was tampered with or it expired.</summary>
    public string? AccountOf(HttpContext http)
    {
        if (http.Request.Cookies[CookieName] is not { Length: > 0 } value) return null;
        try
        {
            var parts = _protector.Unprotect(value).Split('\n');
            return parts is [var account, var expires] && long.TryParse(expires, CultureInfo.InvariantCulture, out var at)
                   && clock.GetUtcNow().ToUnixTimeSeconds() < at ? account : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Ends the session (the cookie is deleted).</summary>
    public void End(HttpContext http) => http.Response.Cookies.Delete(CookieName, Cookie(http, null));

    private static CookieOptions Cookie(HttpContext http, DateTimeOffset? expires) => new()
    {
        HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, Path = "/billing", IsEssential = true, Expires = expires,
    };
}
