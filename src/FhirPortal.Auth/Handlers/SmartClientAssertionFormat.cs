using Microsoft.AspNetCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace FhirPortal.Auth.Handlers;

/// <summary>
/// SMART Backend Services assertions carry <c>typ: JWT</c> and <c>aud</c> = the token endpoint URL; OpenIddict 7 expects
/// the newer <c>client-authentication+jwt</c> type and the issuer as audience (RFC 7523bis). Both forms are accepted.
/// The signature is checked only with the keys <see cref="IClientAssertionKeys"/> picks for the header's kid and jku
/// (OpenIddict would try every key of the client).
/// </summary>
public sealed class SmartClientAssertionFormat : IOpenIddictServerHandler<ValidateTokenContext>
{
    /// <summary>
    /// Runs just before OpenIddict checks the token type: a generic "JWT" is read as an identity token, so an
    /// assertion validated with the client's own keys is marked as the client assertion it is.
    /// </summary>
    public sealed class MarkAsClientAssertion : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            if (context.ValidTokenTypes.Count == 1 && context.ValidTokenTypes.Contains(ClientAssertionType)
                && context.Principal is { } principal && principal.GetTokenType() == TokenTypeIdentifiers.IdentityToken)
                principal.SetTokenType(ClientAssertionType);
            return ValueTask.CompletedTask;
        }
    }

    // OpenIddict's private token type for client assertions.
    private const string ClientAssertionType = "urn:openiddict:params:oauth:token-type:client_assertion";

    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (!context.ValidTokenTypes.Contains(ClientAssertionType)) return;
        var types = context.TokenValidationParameters.ValidTypes?.ToList() ?? [];
        if (types.Count > 0 && !types.Contains("JWT")) context.TokenValidationParameters.ValidTypes = [.. types, "JWT"];
        if (context.Transaction.GetHttpRequest() is { } request)
        {
            var issuer = FhirBase.Issuer(request.HttpContext);
            context.ValidAudiences.Add($"{issuer}/{AuthServiceRegistration.TokenUri}");
            // Introspection and revocation callers may name the endpoint they call.
            context.ValidAudiences.Add($"{issuer}{request.Path}");
            if (request.HttpContext.RequestServices.GetRequiredService<IOpenIddictApplicationManager>() is IClientAssertionKeys keys
                && Header(context.Token) is { } header)
            {
                var parameters = context.TokenValidationParameters;
                parameters.IssuerSigningKeyResolver = null;
                parameters.IssuerSigningKeys = await keys.ResolveAssertionKeysAsync(header.Issuer, header.Kid, header.Jku, context.CancellationToken);
                // Only the chosen keys are tried (a kid-less assertion of a one-key client has nothing to match by kid).
                parameters.TryAllIssuerSigningKeys = true;
            }
        }
    }

    /// <summary>The unverified issuer and key headers; null when the token is not a readable JWT (OpenIddict then rejects it).</summary>
    private static (string Issuer, string? Kid, string? Jku)? Header(string? token)
    {
        try
        {
            if (string.IsNullOrEmpty(token)) return null;
            var jwt = new JsonWebToken(token);
            return (jwt.Issuer, string.IsNullOrEmpty(jwt.Kid) ? null : jwt.Kid, jwt.TryGetHeaderValue<string>("jku", out var jku) ? jku : null);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenException) { return null; }
    }
}
