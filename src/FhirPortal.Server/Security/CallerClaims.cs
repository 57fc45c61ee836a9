using System.Security.Claims;
using FhirPortal.Core.Access;

namespace FhirPortal.Server.Security;

/// <summary>Builds the Core <see cref="Caller"/> from a validated access token's claims; the only place that knows claim names.</summary>
public static class CallerClaims
{
    // "scope" holds space-separated scopes (RFC 9068, RFC 8693); OpenIddict's validation handler adds one private
    // "oi_scp" claim per scope; Microsoft's JWT handler maps "scope" to this URI when its inbound mapping is on.
    private static readonly string[] SpaceSeparated = ["scope", "http://schemas.microsoft.com/identity/claims/scope"];

    public static Caller FromPrincipal(ClaimsPrincipal principal)
    {
        var scopes = SpaceSeparated.SelectMany(principal.FindAll)
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Concat(principal.FindAll("oi_scp").Select(c => c.Value))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        // An organization account's token names its organization and kind; one that names an organization of no
        // known kind grants nothing rather than the unlimited user/ access of a staff account without one.
        var organization = OrganizationOf(principal);
        if (First(principal, "fhirportal_org") is not null && organization is null) scopes = [];
        return new Caller(
            scopes,
            PatientId: First(principal, "patient"),
            EncounterId: First(principal, "encounter"),
            FhirUser: First(principal, "fhirUser"),
            // client_id is RFC 9068's claim; azp is OpenID Connect's; oi_prst is OpenIddict's private presenter
            // claim (the client the token was issued to). oi_au holds audiences (resource servers), not the client.
            ClientId: First(principal, "client_id") ?? First(principal, "azp") ?? First(principal, "oi_prst"))
        {
            Organization = organization,
            Administrator = First(principal, "fhirportal_admin") == "true",
            BillingStaff = First(principal, "fhirportal_billing") == "true",
            UserName = First(principal, "name") ?? First(principal, "preferred_username"),
            Subject = First(principal, "sub"),
            // OpenIddict's private claim naming the authorization (grant) the token belongs to.
            AuthorizationId = First(principal, "oi_au_id"),
        };
    }

    private static OrganizationAccess? OrganizationOf(ClaimsPrincipal principal) =>
        OrganizationAccess.IdOf(First(principal, "fhirportal_org")) is { } id
        && Enum.TryParse<OrganizationKind>(First(principal, "fhirportal_org_kind"), ignoreCase: true, out var kind)
        && Enum.IsDefined(kind)
            ? new OrganizationAccess(id, kind)
            : null;

    private static string? First(ClaimsPrincipal principal, string type) =>
        principal.FindFirst(type)?.Value is { Length: > 0 } value ? value : null;
}
