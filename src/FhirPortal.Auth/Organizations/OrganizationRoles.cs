namespace FhirPortal.Auth.Organizations;

/// <summary>
/// Identity roles of organization accounts: one <see cref="SuperUser"/> per organization (created by an admin) manages
/// its <see cref="EndUser"/>s, who may additionally hold the roles in <see cref="Assignable"/>.
/// </summary>
public static class OrganizationRoles
{
    public const string SuperUser = "super-user", EndUser = "end-user";
    public const string Practitioner = "practitioner", Billing = "billing";

    /// <summary>The roles a super user may give an end user (practitioners may also create EHR launches).</summary>
    public static readonly IReadOnlySet<string> Assignable = new HashSet<string>(StringComparer.Ordinal) { Practitioner, Billing };
}
