using FhirPortal.Search;

namespace FhirPortal.Core.Access;

/// <summary>
/// Limits an organization account's access (issue 5) on top of its scopes. A facility's staff see patients whose
/// <c>managingOrganization</c> or <c>generalPractitioner</c> is the facility (or one of its practitioners, through a
/// PractitionerRole) and what lies in those patients' compartments; shared resources (Practitioner, Medication, ...)
/// stay readable. An employer's staff see only Coverage whose <c>policyHolder</c> or <c>payor</c> is the employer and
/// the Claim, ClaimResponse and ExplanationOfBenefit made under such a Coverage. Organization accounts do not write
/// (their writes would need the linked resources checked inside the write; refused until that exists). Every limit is
/// written as a FHIR search and parsed by the server's parser: one the registry cannot express denies the type.
/// </summary>
internal static class OrganizationRestriction
{
    private static readonly string[] EmployerTypes = ["Coverage", "Claim", "ClaimResponse", "ExplanationOfBenefit"];

    /// <summary><paramref name="scopes"/> (what the scopes allow) AND the organization's limit for the type.</summary>
    public static AccessRestriction Limit(AccessRestriction scopes, OrganizationAccess organization, string type, Permissions permission, AccessPolicy policy)
    {
        if (!scopes.Allowed) return scopes;
        // Note: reads only; see the summary.
        if ((permission & (Permissions.Create | Permissions.Update | Permissions.Delete)) != 0) return AccessRestriction.Denied;
        if (Conditions(organization, type, policy) is not { } limit) return AccessRestriction.Denied;
        if (limit.Count == 0) return scopes;
        var alternatives = scopes.Alternatives ?? [[]];
        return AccessRestriction.AnyOf(alternatives.Select(all => (IReadOnlyList<SearchCondition>)[.. all, .. limit]).ToList());
    }

    /// <summary>The conditions a resource of the type must meet (empty: no limit), or null when the type is out of reach.</summary>
    private static IReadOnlyList<SearchCondition>? Conditions(OrganizationAccess organization, string type, AccessPolicy policy)
    {
        var org = organization.Reference;
        if (organization.Kind == OrganizationKind.Employer)
        {
            if (!EmployerTypes.Contains(type)) return null;
            // Claim and ClaimResponse have no R4 "coverage" parameter; profiles/ defines one (Claim.insurance.coverage).
            string[] queries = type == "Coverage"
                ? [$"policy-holder={org}", $"payor={org}"]
                : [$"coverage:Coverage.policy-holder={org}", $"coverage:Coverage.payor={org}"];
            return AnyOf(type, queries, policy) is { } coverage ? [coverage] : null;
        }

        if (type != "Patient" && CompartmentMembership.PatientParameters(type).Count == 0) return [];
        var patients = AnyOf("Patient",
        [
            $"organization={org}",
            $"general-practitioner={org}",
            $"general-practitioner:PractitionerRole.organization={org}",
            $"general-practitioner:Practitioner._has:PractitionerRole:practitioner:organization={org}",
        ], policy);
        if (patients is null) return null;
        // A Patient is judged by its own content: through "link" it would also sit in other patients' compartments.
        return type == "Patient" ? [patients] : [new CompartmentOwnerCondition("Patient", patients)];
    }

    private static AnyOfCondition? AnyOf(string type, string[] queries, AccessPolicy policy)
    {
        var alternatives = new List<IReadOnlyList<SearchCondition>>();
        foreach (var query in queries)
        {
            if (policy.GranularConditions(type, query) is not { } conditions) return null;
            alternatives.Add(conditions);
        }
        return new AnyOfCondition(alternatives);
    }
}
