using Microsoft.AspNetCore.Identity;

namespace FhirPortal.Auth.Data;

/// <summary>A portal account, linked to the FHIR resource that represents the person.</summary>
public sealed class PortalUser : IdentityUser
{
    /// <summary>The <c>fhirUser</c>: a relative reference such as <c>Patient/123</c> or <c>Practitioner/7</c>.</summary>
    public string? FhirUser { get; set; }

    /// <summary>For staff accounts: the Organization (<c>Organization/{id}</c>) the account belongs to; super users manage only its accounts.</summary>
    public string? OrganizationId { get; set; }

    public bool IsPatient => FhirUser?.StartsWith("Patient/", StringComparison.Ordinal) == true;
    public bool IsPractitioner => FhirUser?.StartsWith("Practitioner/", StringComparison.Ordinal) == true;
    public string? PatientId => IsPatient ? FhirUser!["Patient/".Length..] : null;
}
