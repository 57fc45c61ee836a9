using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Core.Operations;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Summary;

/// <summary>What $summary answers: the document Bundle, or with <c>_download=pdf|html|true</c> a file to save.</summary>
public sealed record SummaryResult(Bundle Document, ReadableFile? File);

/// <summary>
/// Patient/[id]/$summary (IPS, http://hl7.org/fhir/uv/ips/OperationDefinition/summary): the patient's International
/// Patient Summary as a document Bundle (<see cref="SummaryDocument"/>). The resources come from the patient's
/// compartment through the same query and access narrowing as $everything (<see cref="PatientDataQuery"/>,
/// <see cref="DataAccess"/>); a patient's token reaches only its own summary (403). Audited like $everything.
/// </summary>
public sealed class PatientSummaryOperation(IResourceStore store, FhirLimits limits, AccessAudit audit, CallerContext callers, TimeProvider clock)
{
    private static readonly HashSet<string> ResponseParameters = ["_format", "_pretty"];

    public async Task<SummaryResult> ExecuteAsync(string baseUrl, string patientId, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken ct)
    {
        var download = Download(parameters);
        var result = await audit.RecordAsync("operation", "Patient", AccessAudit.Describe($"Patient/{patientId}/$summary", parameters), [patientId],
            () => BuildAsync(baseUrl, patientId, ct), r => r.Sources);
        var file = download switch
        {
            null => null,
            "true" => new ReadableFile($"Patient-{patientId}-summary", "json", null, null),
            _ => ReadableRendering.Render($"Patient-{patientId}-summary", download, Readable(result)),
        };
        return new SummaryResult(result.Document, file);
    }

    /// <summary>
    /// The document and the versions it holds, not audited: for a caller that records the access itself (a share
    /// link's recipient). Access is still the current caller's.
    /// </summary>
    public async Task<(Bundle Document, IReadOnlyList<StoredResource> Sources)> DocumentAsync(string baseUrl, string patientId, CancellationToken ct)
    {
        var built = await BuildAsync(baseUrl, patientId, ct);
        return (built.Document, built.Sources);
    }

    /// <summary><c>_download</c>: pdf, html or true (the Bundle as a file); any other parameter is a 400.</summary>
    private static string? Download(IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        string? download = null;
        foreach (var (name, value) in parameters)
        {
            if (name == "_download" && value is "pdf" or "html" or "true") download = value;
            else if (name == "_download")
                throw FhirOutcomeException.BadRequest($"_download is pdf, html or true, not '{value}'.", name);
            else if (!ResponseParameters.Contains(name))
                throw FhirOutcomeException.BadRequest($"$summary does not take the parameter '{name}'; it takes _download (pdf, html, true).", name);
        }
        return download;
    }

    private sealed record Built(Bundle Document, Patient Patient, IReadOnlyList<BuiltSection> Sections, IReadOnlyList<StoredResource> Sources);

    private async Task<Built> BuildAsync(string baseUrl, string patientId, CancellationToken ct)
    {
        var caller = callers.Current;
        caller.RequirePatientRecord(patientId);
        var stored = await store.ReadAsync(new ResourceKey("Patient", patientId), ct)
            ?? throw FhirOutcomeException.NotFound($"Patient/{patientId} is not known.");
        if (stored.IsDeleted) throw FhirOutcomeException.Gone($"Patient/{patientId} was deleted.");
        await caller.RequireReadAsync(stored, Permissions.Read, ct);
        var patient = (Patient)FhirParser.ParseStored(stored.Json.Span);

        var sources = new List<StoredResource> { stored };
        var resources = new List<Resource>();
        var population = DataPopulation.PatientRecords([patientId]) with { Part = RecordPart.Members };
        var access = DataAccess.For(caller);
        for (string? cursor = null; ;)
        {
            var page = await store.SearchAsync(PatientDataQuery.Build(population, null, SummarySection.Types, [], access, limits.MaxPageSize, cursor), ct);
            sources.AddRange(page.Entries);
            resources.AddRange(page.Entries.Select(e => FhirParser.ParseStored(e.Json.Span)));
            if ((cursor = page.NextCursor) is null) break;
        }

        var sections = new List<BuiltSection>();
        foreach (var definition in SummarySection.All)
        {
            var picked = definition.Pick(resources);
            if (picked.Count == 0 && !definition.Required) continue;
            sections.Add(new BuiltSection(definition, picked, picked.Select(SummaryRow.Of).ToList()));
        }
        var referenced = await MedicationsAsync(sections, caller, sources, ct);
        var listed = sections.SelectMany(s => s.Resources).Select(r => $"{r.TypeName}/{r.Id}").ToHashSet(StringComparer.Ordinal);
        var document = SummaryDocument.Build(baseUrl, patient, sections, referenced, clock.GetUtcNow());
        // The audit lists what left the server: the Patient, the listed resources and the Medications they name.
        var returned = sources.Where(s => s.Key.Type is "Patient" or "Medication" || listed.Contains($"{s.Key.Type}/{s.Key.Id}")).ToList();
        return new Built(document, patient, sections, returned);
    }

    /// <summary>The Medications the medication section names by reference, where the caller may read them.</summary>
    private async Task<List<Resource>> MedicationsAsync(List<BuiltSection> sections, CallerAccess caller, List<StoredResource> sources, CancellationToken ct)
    {
        var medications = new List<Resource>();
        var ids = sections.SelectMany(s => s.Resources)
            .Select(r => r switch { MedicationRequest m => m.Medication, MedicationStatement m => m.Medication, _ => null })
            .OfType<ResourceReference>().Select(r => r.Reference?.Split('/') is ["Medication", var id] ? id : null).OfType<string>().Distinct();
        foreach (var id in ids)
        {
            var medication = await store.ReadAsync(new ResourceKey("Medication", id), ct);
            if (medication is null || medication.IsDeleted || !await caller.MayReadAsync(medication, Permissions.Read, ct)) continue;
            medications.Add(FhirParser.ParseStored(medication.Json.Span));
            sources.Add(medication);
        }
        return medications;
    }

    private static ReadableDocument Readable(Built built) => new(
        $"Patient summary: {SummaryRow.Name(built.Patient)}",
        SummaryRow.Of(built.Patient),
        built.Sections.Select(s => new ReadableSection(s.Definition.Title, s.Rows)).ToList());
}
