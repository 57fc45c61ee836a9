using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace FhirPortal.Auth.Handlers;

/// <summary>
/// A refresh asking for scopes beyond the original grant is <c>invalid_scope</c> (RFC 6749 §5.2, §6); OpenIddict's own
/// check, which runs after this one, would answer <c>invalid_grant</c>, which tells a client its refresh token is dead.
/// </summary>
public sealed class RefreshScopeWithinGrant : IOpenIddictServerHandler<ValidateTokenRequestContext>
{
    public ValueTask HandleAsync(ValidateTokenRequestContext context)
    {
        if (!context.Request.IsRefreshTokenGrantType() || string.IsNullOrEmpty(context.Request.Scope) || context.RefreshTokenPrincipal is null)
            return ValueTask.CompletedTask;
        var granted = context.RefreshTokenPrincipal.GetScopes();
        var beyond = context.Request.GetScopes().Where(scope => !granted.Contains(scope, StringComparer.Ordinal)).ToList();
        if (beyond.Count > 0)
            context.Reject(Errors.InvalidScope, $"A refresh may only keep or narrow the granted scope; not granted: {string.Join(' ', beyond)}.");
        return ValueTask.CompletedTask;
    }
}
