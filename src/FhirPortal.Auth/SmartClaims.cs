namespace FhirPortal.Auth;

/// <summary>Claim and token-response names shared with the resource server (Core.Access reads these from access tokens).</summary>
public static class SmartClaims
{
    /// <summary>Absolute URL of the signed-in user's FHIR resource (Patient or Practitioner).</summary>
    public const string FhirUser = "fhirUser";
    /// <summary>Launch patient id (the id only, as in the token response).</summary>
    public const string Patient = "patient";
    /// <summary>Launch encounter id.</summary>
    public const string Encounter = "encounter";
    /// <summary>Kept in codes and refresh tokens only; returned in the token response.</summary>
    public const string NeedPatientBanner = "need_patient_banner";
    /// <summary>An organization account's Organization (<c>Organization/123</c>) and its kind (facility, employer, or none).</summary>
    public const string Organization = "fhirportal_org", OrganizationKind = "fhirportal_org_kind";
    /// <summary>"true" for portal administrators (they may read every AuditEvent).</summary>
    public const string Administrator = "fhirportal_admin";
    /// <summary>"true" for users in the <c>billing</c> role (with user/ scopes, only they write bills and payments).</summary>
    public const string BillingStaff = "fhirportal_billing";
}
