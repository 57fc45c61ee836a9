using FhirPortal.Auth.Seeding;
using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace FhirPortal.Auth.Handlers;

/// <summary>
/// Who may introspect (RFC 7662 §2.1; SMART App Launch 2.x "Token Introspection"): an authenticated confidential client
/// for the tokens issued to it or naming it, any token when it is registered for the <see cref="Scope"/> scope; or,
/// without client authentication, a caller presenting a bearer access token that carries that scope (e.g. a resource
/// server's client_credentials token). Replaces OpenIddict's audience/presenter check, which knows no such grant.
/// </summary>
public sealed class IntrospectionCaller(IOpenIddictApplicationManager applications, OpenIddictValidationService validation)
    : IOpenIddictServerHandler<ValidateIntrospectionRequestContext>
{
    /// <summary>The scope that authorizes introspecting any token (requested with client_credentials by resource servers).</summary>
    public const string Scope = "introspect";

    public async ValueTask HandleAsync(ValidateIntrospectionRequestContext context)
    {
        if (string.IsNullOrEmpty(context.ClientId))
        {
            if (!await BearerMayIntrospectAsync(context))
                context.Reject(Errors.InvalidClient, $"Introspection requires client authentication, or a bearer access token with the '{Scope}' scope.");
            return;
        }
        if (await applications.FindByClientIdAsync(context.ClientId, context.CancellationToken) is { } application
            && (await ClientRegistrar.AllowedScopesAsync(applications, application, context.CancellationToken)).Contains(Scope, StringComparer.Ordinal))
            return;
        // Otherwise a token is only shown to the client it concerns: an access token to the client it was issued to or
        // one it names as audience, an identity token to its audience, any other (refresh token, code) to its presenter.
        if (context.GenericTokenPrincipal is { } token && !Concerns(token, context.ClientId))
            context.Reject(Errors.InvalidToken, "The client may not introspect this token.");
    }

    private static bool Concerns(System.Security.Claims.ClaimsPrincipal token, string clientId) =>
        token.HasTokenType(TokenTypeIdentifiers.AccessToken) ? token.HasAudience(clientId) || token.HasPresenter(clientId)
        : token.HasTokenType(TokenTypeIdentifiers.IdentityToken) ? token.HasAudience(clientId)
        : token.HasPresenter(clientId);

    private async Task<bool> BearerMayIntrospectAsync(ValidateIntrospectionRequestContext context)
    {
        var authorization = context.Transaction.GetHttpRequest()?.Headers.Authorization.ToString() ?? "";
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        // The same validation (signature, expiry, revocation) as every FHIR request.
        try
        {
            var principal = await validation.ValidateAccessTokenAsync(authorization["Bearer ".Length..].Trim(), context.CancellationToken);
            return principal.HasScope(Scope);
        }
        catch (OpenIddictExceptions.ProtocolException) { return false; }
    }
}
