using Hl7.Fhir.Model;

namespace FhirPortal.Core.Access;

/// <summary>What an organization's staff may see: a provider facility's patients, or an employer's (or payer's) coverage and claims.</summary>
public enum OrganizationKind { Facility, Employer }

/// <summary>The organization a staff account acts for (<see cref="Id"/> is the Organization's logical id).</summary>
public sealed record OrganizationAccess(string Id, OrganizationKind Kind)
{
    public string Reference => "Organization/" + Id;

    // R4 organization-type (http://terminology.hl7.org/CodeSystem/organization-type).
    private const string TypeSystem = "http://terminology.hl7.org/CodeSystem/organization-type";
    private static readonly string[] EmployerCodes = ["bus", "ins", "pay"];

    /// <summary>
    /// The kind an Organization's <c>type</c> says: <c>prov</c> (Healthcare Provider) is a facility; <c>bus</c>
    /// (Non-Healthcare Business or Corporation), <c>ins</c> (Insurance Company) and <c>pay</c> (Payer) are employers.
    /// Null when it says neither, or both (the organization must be fixed before it gets accounts).
    /// </summary>
    public static OrganizationKind? KindOf(Organization organization)
    {
        var codes = organization.Type.SelectMany(t => t.Coding)
            .Where(c => c.System == TypeSystem && c.Code is not null)
            .Select(c => c.Code).ToHashSet(StringComparer.Ordinal);
        var facility = codes.Contains("prov");
        var employer = EmployerCodes.Any(codes.Contains);
        return (facility, employer) switch
        {
            (true, false) => OrganizationKind.Facility,
            (false, true) => OrganizationKind.Employer,
            _ => null,
        };
    }

    /// <summary>The logical id of <c>Organization/123</c> (or a bare id); null for anything else.</summary>
    public static string? IdOf(string? reference) => reference?.Split('/') switch
    {
        ["Organization", var id] when id.Length > 0 => id,
        [var id] when id.Length > 0 => id,
        _ => null,
    };
}
