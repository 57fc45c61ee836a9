using System.Security.Claims;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Seeding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace FhirPortal.Auth.Organizations;

/// <summary>
/// Puts the organization context into a user's access token, so the resource server limits what the token reaches:
/// the account's Organization and its kind, read from the Organization resource when the token is granted. An
/// organization that is gone or of no known kind yields kind "none", and such a token reaches nothing. Also run at
/// each refresh, so a removed role or organization leaves the next token (a refresh token keeps its grant's claims).
/// </summary>
public static class OrganizationClaims
{
    public static async System.Threading.Tasks.Task AddAsync(HttpContext http, ClaimsIdentity identity, PortalUser user)
    {
        var services = http.RequestServices;
        foreach (var type in new[] { SmartClaims.Organization, SmartClaims.OrganizationKind, SmartClaims.Administrator, SmartClaims.BillingStaff })
            identity.RemoveClaims(type);
        if (user.OrganizationId is { } reference)
        {
            var id = Core.Access.OrganizationAccess.IdOf(reference);
            var kind = id is null ? null : (await services.GetRequiredService<OrganizationDirectory>().KindAsync(id, http.RequestAborted)).Kind;
            identity.SetClaim(SmartClaims.Organization, reference);
            identity.SetClaim(SmartClaims.OrganizationKind, kind?.ToString().ToLowerInvariant() ?? "none");
        }
        var users = services.GetRequiredService<UserManager<PortalUser>>();
        if (await users.IsInRoleAsync(user, PortalRoles.Admin))
            identity.SetClaim(SmartClaims.Administrator, "true");
        if (await users.IsInRoleAsync(user, OrganizationRoles.Billing))
            identity.SetClaim(SmartClaims.BillingStaff, "true");
    }
}
