using FhirPortal.Core.Validation;

namespace FhirPortal.Server;

/// <summary>The <c>FhirPortal:Validation</c> section: required profiles, unknown-profile policy.</summary>
public sealed class ValidationOptions
{
    /// <summary>Types whose writes must conform to a profile: <c>Type</c> (the portal's profile) or <c>Type=canonical</c>, comma-separated.</summary>
    public string RequireProfiles { get; set; } = "Patient,Observation,Appointment,MedicationRequest,Communication,Claim,Account,Invoice,PaymentReconciliation";

    /// <summary>Warn (accept with a warning) or Reject when an instance claims a profile the server does not hold.</summary>
    public UnknownProfilePolicy UnknownProfile { get; set; } = UnknownProfilePolicy.Warn;
}
