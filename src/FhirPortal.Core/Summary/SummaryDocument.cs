using Hl7.Fhir.Model;

namespace FhirPortal.Core.Summary;

/// <summary>One section as built: its definition, the resources it lists and their rows.</summary>
public sealed record BuiltSection(SummarySection Definition, IReadOnlyList<Resource> Resources, IReadOnlyList<SummaryRow> Rows);

/// <summary>
/// Builds the IPS document Bundle (R4 documents.html): type document, an identifier, a timestamp, the Composition
/// first (LOINC 60591-5, the patient as subject, this server's Device as author, one section per IPS section with
/// generated narrative and entries), then the Patient, the Device and every resource a section references, so each
/// reference resolves inside the Bundle.
/// </summary>
public static class SummaryDocument
{
    public const string EmptyReasonSystem = "http://terminology.hl7.org/CodeSystem/list-empty-reason";

    public static Bundle Build(string baseUrl, Patient patient, IReadOnlyList<BuiltSection> sections, IReadOnlyList<Resource> referenced, DateTimeOffset now)
    {
        var device = new Device
        {
            Id = Guid.NewGuid().ToString(),
            DeviceName = [new Device.DeviceNameComponent { Name = "FhirPortal", Type = DeviceNameType.ManufacturerName }],
            Type = new CodeableConcept("http://snomed.info/sct", "706689003", "Application program software", null),
        };
        device.Text = SummaryNarrative.Table([new SummaryRow("FhirPortal", "", "the FHIR server that generated this summary")]);
        var deviceUrl = "urn:uuid:" + device.Id;
        var composition = new Composition
        {
            Id = Guid.NewGuid().ToString(),
            Status = CompositionStatus.Final,
            Type = new CodeableConcept(SummarySection.LoincSystem, "60591-5", "Patient summary Document", null),
            Subject = new ResourceReference("Patient/" + patient.Id, SummaryRow.Name(patient)),
            Date = now.ToString("yyyy-MM-ddTHH:mm:sszzz"),
            Author = [new ResourceReference(deviceUrl, "FhirPortal")],
            Title = $"Patient summary of {SummaryRow.Name(patient)}",
        };
        composition.Text = SummaryNarrative.Table([SummaryRow.Of(patient)]);
        foreach (var built in sections)
        {
            var section = new Composition.SectionComponent
            {
                Title = built.Definition.Title,
                Code = new CodeableConcept(SummarySection.LoincSystem, built.Definition.Code, built.Definition.Title, null),
                Text = SummaryNarrative.Table(built.Rows, "No information available."),
                Entry = built.Resources.Select(r => new ResourceReference($"{r.TypeName}/{r.Id}")).ToList(),
            };
            if (built.Resources.Count == 0)
                section.EmptyReason = new CodeableConcept(EmptyReasonSystem, "unavailable", "Unavailable", null);
            composition.Section.Add(section);
        }

        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Document,
            Identifier = new Identifier("urn:ietf:rfc:3986", "urn:uuid:" + Guid.NewGuid()),
            Timestamp = now,
        };
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = "urn:uuid:" + composition.Id, Resource = composition });
        bundle.Entry.Add(Entry(baseUrl, patient));
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = deviceUrl, Resource = device });
        var added = new HashSet<string>(StringComparer.Ordinal);
        foreach (var resource in sections.SelectMany(s => s.Resources).Concat(referenced))
            if (added.Add($"{resource.TypeName}/{resource.Id}")) bundle.Entry.Add(Entry(baseUrl, resource));
        return bundle;
    }

    private static Bundle.EntryComponent Entry(string baseUrl, Resource resource) =>
        new() { FullUrl = $"{baseUrl.TrimEnd('/')}/{resource.TypeName}/{resource.Id}", Resource = resource };
}
