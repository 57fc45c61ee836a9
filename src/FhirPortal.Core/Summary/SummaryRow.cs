using System.Globalization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Summary;

/// <summary>One line of a human-readable summary: what (the coded item's text), when, and details (status, value, dose).</summary>
public sealed record SummaryRow(string Item, string When, string Details)
{
    /// <summary>The row for a resource, from the elements a reader needs; unknown types show their type and id.</summary>
    public static SummaryRow Of(Resource resource) => resource switch
    {
        Condition c => new(Text(c.Code), Date(c.Onset), Join(Code(c.ClinicalStatus), Code(c.VerificationStatus))),
        MedicationRequest m => new(Medication(m.Medication), m.AuthoredOn ?? "", Join(m.Status?.ToString().ToLowerInvariant(), Dosage(m.DosageInstruction))),
        MedicationStatement m => new(Medication(m.Medication), Date(m.Effective), Join(m.Status?.ToString().ToLowerInvariant(), Dosage(m.Dosage))),
        AllergyIntolerance a => new(Text(a.Code), Date(a.Onset) is { Length: > 0 } onset ? onset : a.RecordedDate ?? "",
            Join(a.Criticality is { } criticality ? "criticality " + criticality.ToString().ToLowerInvariant() : null,
                string.Join(", ", a.Reaction.SelectMany(r => r.Manifestation).Select(Text)))),
        Immunization i => new(Text(i.VaccineCode), Date(i.Occurrence), i.Status?.ToString().ToLowerInvariant() ?? ""),
        Observation o => new(Text(o.Code), Date(o.Effective), Value(o)),
        Procedure p => new(Text(p.Code), Date(p.Performed), p.Status?.ToString().ToLowerInvariant() ?? ""),
        Patient p => new(Name(p), p.BirthDate ?? "", Join(p.Gender?.ToString().ToLowerInvariant(), p.Identifier.FirstOrDefault()?.Value)),
        Medication m => new(Text(m.Code), "", ""),
        Encounter e => new(Text(e.Type.FirstOrDefault()) is { Length: > 0 } type ? type : "Encounter", Date(e.Period), e.Status?.ToString().ToLowerInvariant() ?? ""),
        DiagnosticReport d => new(Text(d.Code), Date(d.Effective), d.Status?.ToString().ToLowerInvariant() ?? ""),
        _ => new($"{resource.TypeName}/{resource.Id}", resource.Meta?.LastUpdated?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "", ""),
    };

    /// <summary>The patient's display name: the official (else first) name, given names then family.</summary>
    public static string Name(Patient patient)
    {
        var name = patient.Name.FirstOrDefault(n => n.Use == HumanName.NameUse.Official) ?? patient.Name.FirstOrDefault();
        if (name is null) return "Patient/" + patient.Id;
        return name.Text ?? string.Join(" ", name.Given.Append(name.Family).Where(p => !string.IsNullOrEmpty(p)));
    }

    public static string Text(CodeableConcept? concept) =>
        concept is null ? "" : concept.Text ?? concept.Coding.Select(c => c.Display ?? c.Code).FirstOrDefault(t => t is not null) ?? "";

    private static string Code(CodeableConcept? concept) => concept?.Coding.FirstOrDefault()?.Code ?? "";

    private static string Medication(DataType? medication) => medication switch
    {
        CodeableConcept concept => Text(concept),
        ResourceReference reference => reference.Display ?? reference.Reference ?? "",
        _ => "",
    };

    private static string Dosage(IEnumerable<Dosage> dosage) => string.Join("; ", dosage.Select(d => d.Text).Where(t => t is not null));

    private static string Date(DataType? value) => value switch
    {
        FhirDateTime d => d.Value ?? "",
        Period p => p.Start ?? p.End ?? "",
        Instant i => i.Value?.ToString("o", CultureInfo.InvariantCulture) ?? "",
        FhirString s => s.Value ?? "",
        Age a => $"age {a.Value}",
        _ => "",
    };

    private static string Value(Observation observation)
    {
        var value = Value(observation.Value);
        var components = observation.Component.Select(c => $"{Text(c.Code)}: {Value(c.Value)}").ToList();
        return Join(value, string.Join("; ", components));
    }

    private static string Value(DataType? value) => value switch
    {
        Quantity q => $"{q.Value?.ToString(CultureInfo.InvariantCulture)} {q.Unit ?? q.Code}".Trim(),
        CodeableConcept c => Text(c),
        FhirString s => s.Value ?? "",
        FhirBoolean b => b.Value?.ToString() ?? "",
        Integer i => i.Value?.ToString(CultureInfo.InvariantCulture) ?? "",
        SampledData => "sampled data",
        _ => "",
    };

    private static string Join(params string?[] parts) => string.Join(" · ", parts.Where(p => !string.IsNullOrEmpty(p)));
}
