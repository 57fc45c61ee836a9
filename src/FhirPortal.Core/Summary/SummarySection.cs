using Hl7.Fhir.Model;

namespace FhirPortal.Core.Summary;

/// <summary>
/// One section of the International Patient Summary (IPS, http://hl7.org/fhir/uv/ips/): its LOINC code, title, which
/// resources it lists and whether it is required (problems, medications, allergies: present with an emptyReason when
/// there is nothing to list). Results and vital signs list the newest Observation of each code.
/// </summary>
public sealed record SummarySection(string Code, string Title, bool Required, Func<Resource, bool> Selects, bool NewestPerCode = false)
{
    public static IReadOnlyList<SummarySection> All { get; } =
    [
        new("11450-4", "Problem list", true, r => r is Condition c && !Refuted(c.VerificationStatus)
            && StatusCode(c.ClinicalStatus) is null or "active" or "recurrence" or "relapse"),
        new("10160-0", "Medication summary", true, r => r switch
        {
            MedicationRequest m => m.Status is MedicationRequest.MedicationrequestStatus.Active or MedicationRequest.MedicationrequestStatus.OnHold,
            MedicationStatement m => m.Status is MedicationStatement.MedicationStatusCodes.Active or MedicationStatement.MedicationStatusCodes.Intended
                or MedicationStatement.MedicationStatusCodes.OnHold,
            _ => false,
        }),
        new("48765-2", "Allergies and intolerances", true, r => r is AllergyIntolerance a && !Refuted(a.VerificationStatus)
            && StatusCode(a.ClinicalStatus) is not ("inactive" or "resolved")),
        new("11369-6", "History of immunizations", false, r => r is Immunization { Status: Immunization.ImmunizationStatusCodes.Completed }),
        new("30954-2", "Relevant diagnostic tests/laboratory data", false, r => IsObservation(r, "laboratory"), NewestPerCode: true),
        new("8716-3", "Vital signs", false, r => IsObservation(r, "vital-signs"), NewestPerCode: true),
        new("47519-4", "History of procedures", false, r => r is Procedure p && p.Status is not (EventStatus.EnteredInError or EventStatus.NotDone)),
    ];

    /// <summary>The resource types the sections draw on.</summary>
    public static IReadOnlyList<string> Types { get; } =
        ["AllergyIntolerance", "Condition", "Immunization", "MedicationRequest", "MedicationStatement", "Observation", "Procedure"];

    public const string LoincSystem = "http://loinc.org";

    /// <summary>The resources of this section, in display order (newest first).</summary>
    public List<Resource> Pick(IEnumerable<Resource> resources)
    {
        var picked = resources.Where(Selects).OrderByDescending(SortDate).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
        if (!NewestPerCode) return picked;
        return picked.GroupBy(r => ((Observation)r).Code.Coding.FirstOrDefault() is { } c ? $"{c.System}|{c.Code}" : ((Observation)r).Code.Text ?? "")
            .Select(g => g.First()).ToList();
    }

    private static bool IsObservation(Resource resource, string category) =>
        resource is Observation o && o.Status is not (ObservationStatus.EnteredInError or ObservationStatus.Cancelled)
        && o.Category.Any(c => c.Coding.Any(x => x.Code == category));

    private static bool Refuted(CodeableConcept? verification) => StatusCode(verification) is "entered-in-error" or "refuted";

    private static string? StatusCode(CodeableConcept? concept) => concept?.Coding.FirstOrDefault()?.Code;

    /// <summary>The row's date as an instant (the start of a partial date); undated resources sort last.</summary>
    private static DateTimeOffset SortDate(Resource resource) =>
        Search.FhirDateRange.TryParse(SummaryRow.Of(resource).When, out var range) ? range.Start : DateTimeOffset.MinValue;
}
