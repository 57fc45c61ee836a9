using FhirPortal.Auth.Data;
using FhirPortal.Core.Access;
using FhirPortal.Core.Subscriptions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirPortal.Auth.Accounts;

/// <summary>
/// Core's <see cref="ISubscriptionGrants"/> from the account database: a subscription stops when the account that wrote
/// it is gone or disabled (lockout without end, as an administrator's disable sets it; a temporary lockout after failed
/// sign-ins does not count), or when the OpenIddict authorization its token was issued under is gone or no longer valid
/// (the user revoked the app). A backend service (its token's subject is its client id) stops when its client
/// registration is removed.
/// </summary>
public sealed class AccountSubscriptionGrants(IServiceScopeFactory scopes) : ISubscriptionGrants
{
    public async Task<string?> WithdrawnAsync(Caller owner, CancellationToken ct)
    {
        if (owner.Subject is null && owner.AuthorizationId is null) return null;
        using var scope = scopes.CreateScope();
        // A backend service's token (client_credentials) names the client as its subject: there is no account to look up,
        // only the client registration, which must still exist.
        if (owner.Subject is { } client && owner.Subject == owner.ClientId && owner.FhirUser is null)
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            return await applications.FindByClientIdAsync(client, ct) is null
                ? "Turned off: the client application that created this subscription is no longer registered."
                : null;
        }
        if (owner.Subject is { } subject)
        {
            var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
            var account = await db.Users.AsNoTracking().Where(u => u.Id == subject).Select(u => new { u.LockoutEnabled, u.LockoutEnd }).FirstOrDefaultAsync(ct);
            if (account is null) return "Turned off: the account that created this subscription no longer exists.";
            if (account.LockoutEnabled && account.LockoutEnd is { } end && end >= DateTimeOffset.MaxValue.AddDays(-1))
                return "Turned off: the account that created this subscription was disabled.";
        }
        if (owner.AuthorizationId is { } id)
        {
            var authorizations = scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
            if (await authorizations.FindByIdAsync(id, ct) is not { } authorization || !await authorizations.HasStatusAsync(authorization, Statuses.Valid, ct))
                return "Turned off: the app's authorization to act for the user who created this subscription was revoked.";
        }
        return null;
    }
}
