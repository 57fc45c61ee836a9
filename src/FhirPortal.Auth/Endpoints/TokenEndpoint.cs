using Microsoft.AspNetCore;
using System.Security.Claims;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Scopes;
using FhirPortal.Auth.Seeding;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirPortal.Auth.Endpoints;

/// <summary>
/// The token endpoint after OpenIddict validated the request (client, code + PKCE verifier, refresh token):
/// decides the principal for each grant and adds the SMART launch context to the response.
/// </summary>
public static class TokenEndpoint
{
    public static async Task<IResult> Exchange(HttpContext http, UserManager<PortalUser> users, IOpenIddictApplicationManager applications, IOptions<AuthOptions> options)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        if (request.IsClientCredentialsGrantType()) return await ClientCredentials(http, request, applications, options.Value.AccessTokenLifetime);
        if (!request.IsAuthorizationCodeGrantType() && !request.IsRefreshTokenGrantType())
            return Error(Errors.UnsupportedGrantType, "Only authorization_code, refresh_token and client_credentials are supported.");

        var principal = (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal
            ?? throw new InvalidOperationException("OpenIddict validated the grant but returned no principal.");
        var user = await users.FindByIdAsync(principal.GetClaim(Claims.Subject) ?? "");
        if (user is null || await users.IsLockedOutAsync(user)) return Error(Errors.InvalidGrant, "The account is no longer available.");

        if (request.IsRefreshTokenGrantType())
        {
            // OpenIddict refused anything wider than the original grant; a narrower scope narrows the new tokens.
            if (!string.IsNullOrEmpty(request.Scope))
                principal.SetScopes(principal.GetScopes().Intersect(request.GetScopes(), StringComparer.Ordinal));
        }

        var identity = (ClaimsIdentity)principal.Identity!;
        // Roles and organization are read again: the stored grant still holds the claims of when it was made.
        if (request.IsRefreshTokenGrantType()) await Organizations.OrganizationClaims.AddAsync(http, identity, user);
        SmartDestinations.Apply(identity);
        var properties = new AuthenticationProperties();
        // SMART always returns scope (OAuth may omit it when unchanged; client-js reads it to decide on refreshing).
        properties.Parameters["scope"] = string.Join(' ', principal.GetScopes());
        if (principal.GetClaim(SmartClaims.Patient) is { } patient) properties.Parameters["patient"] = patient;
        if (principal.GetClaim(SmartClaims.Encounter) is { } encounter) properties.Parameters["encounter"] = encounter;
        if (principal.GetClaim(SmartClaims.NeedPatientBanner) is { } banner) properties.Parameters["need_patient_banner"] = banner == "true";
        properties.Parameters["smart_style_url"] = options.Value.SmartStyleUrl ?? $"{FhirBase.Issuer(http)}/auth/smart-style.json";
        return Results.SignIn(principal, properties, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>SMART Backend Services recommends access tokens of at most five minutes for client_credentials.</summary>
    public static readonly TimeSpan MaxBackendAccessTokenLifetime = TimeSpan.FromMinutes(5);

    /// <summary>SMART Backend Services: system/ scopes only, for the authenticated client itself.</summary>
    private static async Task<IResult> ClientCredentials(HttpContext http, OpenIddictRequest request, IOpenIddictApplicationManager applications, TimeSpan configuredLifetime)
    {
        var application = await applications.FindByClientIdAsync(request.ClientId!) ?? throw new InvalidOperationException("Unknown client.");
        var allowed = await ClientRegistrar.AllowedScopesAsync(applications, application, http.RequestAborted);
        var granted = SmartScopes.Grantable(request.GetScopes(), allowed)
            .Where(s => SmartScopes.Context(s) == "system" || s == Handlers.IntrospectionCaller.Scope).ToList();
        if (granted.Count == 0) return Error(Errors.InvalidScope, "None of the requested scopes is a system/ scope this client may have.");

        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, request.ClientId);
        identity.SetScopes(granted);
        identity.SetResources(FhirBase.Of(http));
        identity.SetAccessTokenLifetime(configuredLifetime < MaxBackendAccessTokenLifetime ? configuredLifetime : MaxBackendAccessTokenLifetime);
        SmartDestinations.Apply(identity);
        var properties = new AuthenticationProperties();
        properties.Parameters["scope"] = string.Join(' ', granted);
        return Results.SignIn(new ClaimsPrincipal(identity), properties, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    public static IResult Error(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
