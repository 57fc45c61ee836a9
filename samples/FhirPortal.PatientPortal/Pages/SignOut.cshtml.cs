using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using FhirPortal.PatientPortal.Auth;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>Sign-out: revokes the refresh token at the server (RFC 7009, which ends the grant's access tokens too) and ends the session.</summary>
public sealed class SignOutModel(TokenEndpointClient tokens, IOptionsMonitor<OpenIdConnectOptions> oidc, ILogger<SignOutModel> logger) : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Index");

    public async Task<IActionResult> OnPostAsync()
    {
        var refreshToken = await HttpContext.GetTokenAsync("refresh_token");
        if (!string.IsNullOrEmpty(refreshToken))
        {
            try
            {
                var configuration = await oidc.Get(OpenIdConnectDefaults.AuthenticationScheme).ConfigurationManager!.GetConfigurationAsync(HttpContext.RequestAborted);
                var revocation = configuration.RevocationEndpoint;
                if (string.IsNullOrEmpty(revocation)) logger.LogWarning("The authorization server publishes no revocation_endpoint; the refresh token stays valid until it expires.");
                else
                {
                    await tokens.RequestAsync(revocation, new Dictionary<string, string> { ["token"] = refreshToken, ["token_type_hint"] = "refresh_token" }, HttpContext.RequestAborted);
                    logger.LogInformation("Revoked the session's refresh token at sign-out.");
                }
            }
            catch (Exception e) when (e is TokenEndpointException or HttpRequestException)
            {
                // Signing out here must not depend on the server: the session ends anyway; the token expires by itself.
                logger.LogWarning(e, "Revoking the refresh token at sign-out failed.");
            }
        }
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return RedirectToPage("/SignedOut");
    }
}
