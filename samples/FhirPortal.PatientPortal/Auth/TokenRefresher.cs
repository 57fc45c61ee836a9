using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;

namespace FhirPortal.PatientPortal.Auth;

/// <summary>
/// Runs on every request with a session (the cookie handler's ValidatePrincipal): an access token close to expiry is
/// replaced through the refresh token (<c>offline_access</c>) before the page calls the FHIR server. A refused refresh
/// (revoked app, expired refresh token) ends the session, so the next page signs in again.
/// </summary>
public sealed class TokenRefresher(TokenEndpointClient tokens, ITicketStore sessions, IOptionsMonitor<OpenIdConnectOptions> oidc,
    IOptions<PortalOptions> options, TimeProvider clock, ILogger<TokenRefresher> logger)
{
    // Note: refresh tokens rotate (each is used once), so two requests of one session must not refresh at the same
    // time: striped locks, keyed by session, without a per-session entry to clean up.
    private static readonly SemaphoreSlim[] Locks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        if (!NeedsRefresh(context.Properties)) return;
        var session = context.Principal?.FindFirst(SessionTicketStore.SessionClaim)?.Value;
        if (session is null) { await RejectAsync(context, "no session key"); return; }

        var gate = Locks[(uint)StringComparer.Ordinal.GetHashCode(session) % Locks.Length];
        await gate.WaitAsync(context.HttpContext.RequestAborted);
        try
        {
            // Another request of this session may have refreshed while this one waited.
            if (await sessions.RetrieveAsync(session) is { } latest && !NeedsRefresh(latest.Properties))
            {
                context.Properties.StoreTokens(latest.Properties.GetTokens());
                return;
            }
            var refreshToken = context.Properties.GetTokenValue("refresh_token");
            if (string.IsNullOrEmpty(refreshToken)) { await RejectAsync(context, "no refresh token"); return; }
            var configuration = await oidc.Get(OpenIdConnectDefaults.AuthenticationScheme).ConfigurationManager!.GetConfigurationAsync(context.HttpContext.RequestAborted);
            var response = await tokens.RequestAsync(configuration.TokenEndpoint, new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken,
            }, context.HttpContext.RequestAborted);

            var expiresIn = int.Parse(response.ExpiresIn ?? "0", CultureInfo.InvariantCulture);
            context.Properties.UpdateTokenValue("access_token", response.AccessToken);
            // The server may keep or rotate the refresh token; a new one replaces the old.
            if (!string.IsNullOrEmpty(response.RefreshToken)) context.Properties.UpdateTokenValue("refresh_token", response.RefreshToken);
            context.Properties.UpdateTokenValue("expires_at", clock.GetUtcNow().AddSeconds(expiresIn).ToString("o", CultureInfo.InvariantCulture));
            // Stored at once (not at the end of this response), so a request waiting on the lock sees the new tokens.
            await sessions.RenewAsync(session, new AuthenticationTicket(context.Principal!, context.Properties, context.Scheme.Name));
            logger.LogInformation("Refreshed the access token of a session; it now expires in {Seconds} s.", expiresIn);
        }
        catch (TokenEndpointException e)
        {
            await RejectAsync(context, e.Error);
        }
        finally
        {
            gate.Release();
        }
    }

    private bool NeedsRefresh(AuthenticationProperties properties) =>
        !DateTimeOffset.TryParse(properties.GetTokenValue("expires_at"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expiresAt)
        || expiresAt - clock.GetUtcNow() <= options.Value.RefreshBeforeExpiry;

    private async Task RejectAsync(CookieValidatePrincipalContext context, string reason)
    {
        logger.LogInformation("Session ended: the access token could not be refreshed ({Reason}).", reason);
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }
}
