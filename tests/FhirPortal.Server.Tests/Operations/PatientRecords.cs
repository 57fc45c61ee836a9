using System.Text.Json;
using FhirPortal.Server.Tests.Fixtures;

namespace FhirPortal.Server.Tests.Operations;

/// <summary>
/// The expectation side of the $everything tests, computed from the Synthea bundle files (System.Text.Json) and the
/// keys the load recorded, never through the server's indexes: each patient's compartment members (the entries of
/// its bundle whose type is in the R4 Patient compartment) and every resource they reference anywhere in their JSON.
/// </summary>
public sealed class PatientRecords
{
    /// <summary>The resource types of the R4 Patient CompartmentDefinition (hl7.org/fhir/R4/compartmentdefinition-patient.html).</summary>
    public static readonly HashSet<string> CompartmentTypes =
    [
        "Account", "AdverseEvent", "AllergyIntolerance", "Appointment", "AppointmentResponse", "AuditEvent", "Basic", "BodyStructure",
        "CarePlan", "CareTeam", "ChargeItem", "Claim", "ClaimResponse", "ClinicalImpression", "Communication", "CommunicationRequest",
        "Composition", "Condition", "Consent", "Coverage", "CoverageEligibilityRequest", "CoverageEligibilityResponse", "DetectedIssue",
        "DeviceRequest", "DeviceUseStatement", "DiagnosticReport", "DocumentManifest", "DocumentReference", "Encounter",
        "EnrollmentRequest", "EpisodeOfCare", "ExplanationOfBenefit", "FamilyMemberHistory", "Flag", "Goal", "Group", "ImagingStudy",
        "Immunization", "ImmunizationEvaluation", "ImmunizationRecommendation", "Invoice", "List", "MeasureReport", "Media",
        "MedicationAdministration", "MedicationDispense", "MedicationRequest", "MedicationStatement", "MolecularSequence",
        "NutritionOrder", "Observation", "Patient", "Person", "Procedure", "Provenance", "QuestionnaireResponse", "RelatedPerson",
        "RequestGroup", "ResearchSubject", "RiskAssessment", "Schedule", "ServiceRequest", "Specimen", "SupplyDelivery",
        "SupplyRequest", "VisionPrescription",
    ];

    public sealed record Res(string Key, string Type, JsonElement Json);

    public Dictionary<string, List<Res>> MembersByPatient { get; } = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _byFullUrl = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _byIdentifier = new(StringComparer.Ordinal);

    public PatientRecords(SyntheaLoad load)
    {
        foreach (var bundle in load.Bundles)
        foreach (var entry in bundle.Entries)
            foreach (var identifier in entry.Identifiers)
                if (entry.Key is { } key) _byIdentifier.TryAdd($"{entry.Type}|{identifier}", key);
        foreach (var bundle in load.Bundles)
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(load.Folder!, bundle.File)));
            var entries = doc.RootElement.GetProperty("entry").EnumerateArray().ToList();
            var resources = new List<Res>();
            for (var i = 0; i < entries.Count; i++)
            {
                var key = bundle.Entries[i].Key ?? throw new InvalidOperationException($"{bundle.File} entry {i} was not stored");
                if (entries[i].TryGetProperty("fullUrl", out var fullUrl)) _byFullUrl[fullUrl.GetString()!] = key;
                var resource = entries[i].GetProperty("resource").Clone();
                resources.Add(new Res(key, resource.GetProperty("resourceType").GetString()!, resource));
            }
            if (bundle.Type != "transaction") continue;
            var patient = resources.Single(r => r.Type == "Patient").Key;
            MembersByPatient[patient] = resources.Where(r => CompartmentTypes.Contains(r.Type)).ToList();
        }
    }

    /// <summary>Compartment members plus the resources outside every Patient compartment that they reference.</summary>
    public HashSet<string> Everything(string patient, Func<Res, bool>? memberFilter = null, Func<string, bool>? typeFilter = null)
    {
        var members = MembersByPatient[patient];
        var expected = members.Where(m => memberFilter?.Invoke(m) ?? true).Where(m => typeFilter?.Invoke(m.Type) ?? true).Select(m => m.Key).ToHashSet();
        foreach (var target in members.SelectMany(m => References(m.Json)))
        {
            var type = target.Split('/')[0];
            if (!CompartmentTypes.Contains(type) && (typeFilter?.Invoke(type) ?? true)) expected.Add(target);
        }
        return expected;
    }

    /// <summary>Every resolvable reference in the resource's JSON (contained resources included; '#' local ones not).</summary>
    public IEnumerable<string> References(JsonElement node)
    {
        switch (node.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in node.EnumerateObject())
                {
                    if (property.Name == "reference" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        if (Resolve(property.Value.GetString()!) is { } key) yield return key;
                    }
                    else foreach (var r in References(property.Value)) yield return r;
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in node.EnumerateArray())
                    foreach (var r in References(item)) yield return r;
                break;
        }
    }

    private string? Resolve(string reference)
    {
        if (reference.StartsWith('#')) return null;
        if (_byFullUrl.TryGetValue(reference, out var key)) return key;
        var mark = reference.IndexOf("?identifier=", StringComparison.Ordinal);
        if (mark > 0) return _byIdentifier.GetValueOrDefault($"{reference[..mark]}|{Uri.UnescapeDataString(reference[(mark + 12)..])}");
        return reference.Split('/') is [var type, var id] ? $"{type}/{id}" : null;
    }
}
