using FhirPortal.Auth.Data;
using FhirPortal.Core.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Auth.Organizations;

/// <summary>The caller the patient picker searches as for a signed-in organization account: its organization's patients only.</summary>
public static class OrganizationPicker
{
    /// <summary>Null for accounts outside any organization (the picker then lists every patient, as for any practitioner).</summary>
    public static async Task<Caller?> CallerAsync(HttpContext http)
    {
        var services = http.RequestServices;
        // The pages are not behind an authorization policy, so the sign-in cookie is read here as the page reads it.
        var signedIn = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = signedIn.Succeeded ? await services.GetRequiredService<UserManager<PortalUser>>().GetUserAsync(signedIn.Principal!) : null;
        if (user?.OrganizationId is not { } reference) return null;
        var id = OrganizationAccess.IdOf(reference);
        var kind = id is null ? null : (await services.GetRequiredService<OrganizationDirectory>().KindAsync(id, http.RequestAborted)).Kind;
        // An organization of no known kind reaches nothing: a caller without scopes.
        return kind is null ? Caller.Nobody : new Caller(["user/Patient.rs"]) { Organization = new OrganizationAccess(id!, kind.Value) };
    }
}
