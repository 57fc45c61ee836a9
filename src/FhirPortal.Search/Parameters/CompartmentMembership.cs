using System.Collections.Frozen;

namespace FhirPortal.Search;

/// <summary>
/// Patient compartment membership (R4 CompartmentDefinition "patient"): for each resource type, the reference
/// parameters whose Patient targets put the resource in that patient's compartment. A Patient is in its own.
/// </summary>
public static class CompartmentMembership
{
    private static readonly FrozenDictionary<string, string[]> PatientParams = new Dictionary<string, string[]>
    {
        ["Account"] = ["subject"],
        ["AdverseEvent"] = ["subject"],
        ["AllergyIntolerance"] = ["patient", "recorder", "asserter"],
        ["Appointment"] = ["actor"],
        ["AppointmentResponse"] = ["actor"],
        ["AuditEvent"] = ["patient"],
        ["Basic"] = ["patient", "author"],
        ["BodyStructure"] = ["patient"],
        ["CarePlan"] = ["patient", "performer"],
        ["CareTeam"] = ["patient", "participant"],
        ["ChargeItem"] = ["subject"],
        ["Claim"] = ["patient", "payee"],
        ["ClaimResponse"] = ["patient"],
        ["ClinicalImpression"] = ["subject"],
        ["Communication"] = ["subject", "sender", "recipient"],
        ["CommunicationRequest"] = ["subject", "sender", "recipient", "requester"],
        ["Composition"] = ["subject", "author", "attester"],
        ["Condition"] = ["patient", "asserter"],
        ["Consent"] = ["patient"],
        ["Coverage"] = ["policy-holder", "subscriber", "beneficiary", "payor"],
        ["CoverageEligibilityRequest"] = ["patient"],
        ["CoverageEligibilityResponse"] = ["patient"],
        ["DetectedIssue"] = ["patient"],
        ["DeviceRequest"] = ["subject", "performer"],
        ["DeviceUseStatement"] = ["subject"],
        ["DiagnosticReport"] = ["subject"],
        ["DocumentManifest"] = ["subject", "author", "recipient"],
        ["DocumentReference"] = ["subject", "author"],
        ["Encounter"] = ["patient"],
        ["EnrollmentRequest"] = ["subject"],
        ["EpisodeOfCare"] = ["patient"],
        ["ExplanationOfBenefit"] = ["patient", "payee"],
        ["FamilyMemberHistory"] = ["patient"],
        ["Flag"] = ["patient"],
        ["Goal"] = ["patient"],
        ["Group"] = ["member"],
        ["ImagingStudy"] = ["patient"],
        ["Immunization"] = ["patient"],
        ["ImmunizationEvaluation"] = ["patient"],
        ["ImmunizationRecommendation"] = ["patient"],
        ["Invoice"] = ["subject", "patient", "recipient"],
        ["List"] = ["subject", "source"],
        ["MeasureReport"] = ["patient"],
        ["Media"] = ["subject"],
        ["MedicationAdministration"] = ["patient", "performer", "subject"],
        ["MedicationDispense"] = ["subject", "patient", "receiver"],
        ["MedicationRequest"] = ["subject"],
        ["MedicationStatement"] = ["subject"],
        ["MolecularSequence"] = ["patient"],
        ["NutritionOrder"] = ["patient"],
        ["Observation"] = ["subject", "performer"],
        ["Patient"] = ["link"],
        ["Person"] = ["patient"],
        ["Procedure"] = ["patient", "performer"],
        ["Provenance"] = ["patient"],
        ["QuestionnaireResponse"] = ["subject", "author"],
        ["RelatedPerson"] = ["patient"],
        ["RequestGroup"] = ["subject", "participant"],
        ["ResearchSubject"] = ["individual"],
        ["RiskAssessment"] = ["subject"],
        ["Schedule"] = ["actor"],
        ["ServiceRequest"] = ["subject", "performer"],
        ["Specimen"] = ["subject"],
        ["SupplyDelivery"] = ["patient"],
        ["SupplyRequest"] = ["subject"],
        ["VisionPrescription"] = ["patient"],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The parameters that decide Patient compartment membership for a type (empty when none).</summary>
    public static IReadOnlyList<string> PatientParameters(string resourceType) =>
        PatientParams.TryGetValue(resourceType, out var names) ? names : [];

    /// <summary>Adds Patient compartments from the already computed reference values of the resource.</summary>
    public static void Add(ResourceIndex index, string resourceType, string? resourceId)
    {
        if (resourceType == "Patient" && !string.IsNullOrEmpty(resourceId))
            index.Compartments.Add(new CompartmentIndexValue("Patient", resourceId));
        var names = PatientParameters(resourceType);
        if (names.Count == 0) return;
        foreach (var reference in index.References)
        {
            if (reference.Group is not null || reference.TargetType != "Patient" || reference.TargetId is null) continue;
            if (!names.Contains(reference.Param)) continue;
            index.Compartments.Add(new CompartmentIndexValue("Patient", reference.TargetId));
        }
    }
}
