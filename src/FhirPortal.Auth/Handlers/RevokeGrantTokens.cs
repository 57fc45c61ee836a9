using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace FhirPortal.Auth.Handlers;

/// <summary>
/// RFC 7009 §2.1: revoking a refresh token SHOULD also invalidate the access tokens of the same grant. OpenIddict revokes
/// only the token sent, so every token of its authorization is revoked here; the resource server checks token entries,
/// so those access tokens stop at once.
/// </summary>
public sealed class RevokeGrantTokens(IOpenIddictTokenManager tokens) : IOpenIddictServerHandler<HandleRevocationRequestContext>
{
    public async ValueTask HandleAsync(HandleRevocationRequestContext context)
    {
        if (context.IsRejected || context.GenericTokenPrincipal is not { } principal || principal.GetTokenType() != TokenTypeIdentifiers.RefreshToken
            || principal.GetAuthorizationId() is not { Length: > 0 } authorization) return;
        await tokens.RevokeByAuthorizationIdAsync(authorization, context.CancellationToken);
    }
}
