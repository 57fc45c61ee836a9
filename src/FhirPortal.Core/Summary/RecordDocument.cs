using FhirPortal.Search;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Summary;

/// <summary>
/// A patient's whole record ($everything) for people to read: one section per resource type (alphabetical), each row
/// a resource (<see cref="SummaryRow"/>), newest first.
/// </summary>
public static class RecordDocument
{
    public static ReadableDocument Build(string patientId, IEnumerable<Resource> resources)
    {
        var all = resources.ToList();
        var patient = all.OfType<Patient>().FirstOrDefault(p => p.Id == patientId);
        var sections = all.Where(r => r != patient)
            .GroupBy(r => r.TypeName)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ReadableSection(g.Key, g.Select(SummaryRow.Of)
                .OrderByDescending(r => FhirDateRange.TryParse(r.When, out var range) ? range.Start : DateTimeOffset.MinValue).ToList()))
            .ToList();
        var name = patient is null ? "Patient/" + patientId : SummaryRow.Name(patient);
        return new ReadableDocument($"Health record: {name}", patient is null ? new SummaryRow(name, "", "") : SummaryRow.Of(patient), sections);
    }
}
