using FhirPortal.Search;

namespace FhirPortal.Core.Operations;

/// <summary>
/// The clinical date of each resource type for $everything's <c>start</c>/<c>end</c> (Patient-everything: "care
/// dates, not record currency dates"): the type's search parameter for when the care happened. Types without one
/// (Patient, Practitioner, Medication, Coverage, Device, ...) are never narrowed by start/end; a resource of a dated
/// type without that date is left out, since it cannot be placed in the range.
/// </summary>
public static class ClinicalDates
{
    private static readonly Dictionary<string, string> Overrides = new(StringComparer.Ordinal)
    {
        ["Condition"] = "onset-date",
        ["MedicationRequest"] = "authoredon",
        ["MedicationAdministration"] = "effective-time",
        ["MedicationDispense"] = "whenhandedover",
        ["MedicationStatement"] = "effective",
        ["Claim"] = "created",
        ["ExplanationOfBenefit"] = "created",
        ["ImagingStudy"] = "started",
        ["ServiceRequest"] = "authored",
        ["Provenance"] = "recorded",
        ["Goal"] = "start-date",
        ["VisionPrescription"] = "datewritten",
        ["DetectedIssue"] = "identified",
        ["DeviceRequest"] = "event-date",
        ["DocumentManifest"] = "created",
        ["Specimen"] = "collected",
        ["Invoice"] = "date",
    };

    /// <summary>The clinical date parameter of the type, or null when it has none (the type's "date" parameter by default).</summary>
    public static string? ParameterOf(SearchParameterRegistry registry, string type)
    {
        var name = Overrides.GetValueOrDefault(type, "date");
        return registry.TryGet(type, name, out var parameter) && parameter.Type == Hl7.Fhir.Model.SearchParamType.Date ? name : null;
    }

    /// <summary>
    /// A condition: resources of dated types whose clinical date overlaps [start, end] (either end open), resources
    /// of other types always. Only <paramref name="types"/> are considered.
    /// </summary>
    public static SearchCondition Within(SearchParameterRegistry registry, IEnumerable<string> types, FhirDateRange? start, FhirDateRange? end)
    {
        var dated = types.Select(t => (Type: t, Param: ParameterOf(registry, t))).Where(d => d.Param is not null).ToList();
        var alternatives = new List<IReadOnlyList<SearchCondition>> { new SearchCondition[] { new TypeCondition(dated.Select(d => d.Type).ToList(), Not: true) } };
        foreach (var (type, param) in dated)
        {
            var all = new List<SearchCondition> { new TypeCondition([type]) };
            if (start is { } s) all.Add(new DateCondition(param!, [new DateMatch(Prefix.Ge, s)]));
            if (end is { } e) all.Add(new DateCondition(param!, [new DateMatch(Prefix.Le, e)]));
            alternatives.Add(all);
        }
        return new AnyOfCondition(alternatives);
    }
}
