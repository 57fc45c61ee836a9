using FhirPortal.Auth.Data;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace FhirPortal.Auth.Handlers;

/// <summary>
/// SMART Backend Services (client-confidential-asymmetric): a client assertion expires at most five minutes ahead
/// and its <c>jti</c> is never accepted twice. Seen ids are persisted until their assertion expires. Also its <c>sub</c>
/// and any <c>client_id</c> must equal its <c>iss</c>: a failed client authentication is <c>invalid_client</c> (RFC 6749
/// §5.2), where OpenIddict's own check, which runs after this one, answers <c>invalid_grant</c>.
/// </summary>
public sealed class ClientAssertionLimits(AuthDbContext db, TimeProvider time) : IOpenIddictServerHandler<ProcessAuthenticationContext>
{
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    public async ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        if (context.ClientAssertionPrincipal is not { } assertion) return;
        var issuer = assertion.GetClaim(Claims.Issuer);
        if (!string.Equals(assertion.GetClaim(Claims.Subject), issuer, StringComparison.Ordinal)
            || !string.IsNullOrEmpty(context.ClientId) && !string.Equals(context.ClientId, issuer, StringComparison.Ordinal))
        {
            context.Reject(Errors.InvalidClient, "The client assertion's iss, sub and the client_id must all name the client.");
            return;
        }
        var now = time.GetUtcNow();
        var expires = assertion.GetExpirationDate();
        // Note: IdentityModel allows five minutes of clock skew; for five-minute assertions that is too much.
        if (expires is null || expires < now - ClockSkew)
        {
            context.Reject(Errors.InvalidClient, "The client assertion has expired.");
            return;
        }
        if (expires > now + MaxLifetime + ClockSkew)
        {
            context.Reject(Errors.InvalidClient, "The client assertion must expire no more than five minutes from now.");
            return;
        }
        var jti = assertion.GetClaim(Claims.JwtId);
        if (string.IsNullOrEmpty(jti))
        {
            context.Reject(Errors.InvalidClient, "The client assertion must have a jti.");
            return;
        }

        var key = $"{issuer} {jti}";
        await db.SeenAssertions.Where(a => a.ExpiresAt < now.UtcDateTime).ExecuteDeleteAsync(context.CancellationToken);
        if (await db.SeenAssertions.AnyAsync(a => a.Key == key, context.CancellationToken))
        {
            context.Reject(Errors.InvalidClient, "The client assertion's jti was already used.");
            return;
        }
        db.SeenAssertions.Add(new SeenAssertion { Key = key, ExpiresAt = expires.Value.UtcDateTime });
        try { await db.SaveChangesAsync(context.CancellationToken); }
        catch (DbUpdateException)
        {
            // Two requests raced with the same assertion: the primary key let only one of them in.
            context.Reject(Errors.InvalidClient, "The client assertion's jti was already used.");
        }
    }
}
