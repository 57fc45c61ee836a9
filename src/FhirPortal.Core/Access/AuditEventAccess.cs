using FhirPortal.Search;

namespace FhirPortal.Core.Access;

/// <summary>
/// AuditEvents are the server's own security record: only administrators read them all; anyone else only the
/// events in their own (launch or signed-in) patient's compartment, so a practitioner's <c>user/*.rs</c> or a
/// backend's <c>system/*.rs</c> does not reach them. Nobody writes them over the API: the server records them itself.
/// </summary>
internal static class AuditEventAccess
{
    public const string Type = "AuditEvent";

    public static AccessRestriction Limit(AccessRestriction scopes, Caller caller, Permissions permission)
    {
        if (!scopes.Allowed || (permission & (Permissions.Create | Permissions.Update | Permissions.Delete)) != 0) return AccessRestriction.Denied;
        if (caller.Administrator) return scopes;
        var own = scopes.Alternatives?
            .Where(all => all.Any(c => c is CompartmentCondition { CompartmentType: "Patient" }))
            .ToList();
        return own is { Count: > 0 } ? AccessRestriction.AnyOf(own) : AccessRestriction.Denied;
    }
}
