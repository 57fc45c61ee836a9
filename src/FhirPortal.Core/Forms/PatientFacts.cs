using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Forms;

/// <summary>What the record knows of one patient for <c>$populate</c>: the Patient, current medications and allergies.</summary>
internal sealed record PatientFacts(Patient Patient, IReadOnlyList<Resource> Medications, IReadOnlyList<AllergyIntolerance> Allergies)
{
    /// <summary>The resources a <c>definition</c> of <paramref name="type"/> reads from (null: a type $populate does not fetch).</summary>
    public IEnumerable<Resource>? Of(string type) => type switch
    {
        "Patient" => [Patient],
        "MedicationStatement" or "MedicationRequest" => Medications.Where(m => m.TypeName == type),
        "AllergyIntolerance" => Allergies,
        _ => null,
    };
}

/// <summary>
/// Reads a patient's facts through the caller's access: active MedicationStatements and MedicationRequests, and
/// AllergyIntolerances that are not inactive or resolved (at most 100 of each type); what the caller may not read is left out.
/// </summary>
internal sealed class PatientFactsReader(IResourceStore store, ConditionalCriteria criteria)
{
    private const int Max = 100;

    public async Task<PatientFacts> ReadAsync(Patient patient, CallerAccess access, CancellationToken ct)
    {
        var reference = $"Patient/{patient.Id}";
        var medications = new List<Resource>();
        foreach (var type in new[] { "MedicationStatement", "MedicationRequest" })
            medications.AddRange(await FindAsync(type, $"patient={reference}&status=active", access, ct));
        var allergies = (await FindAsync("AllergyIntolerance", $"patient={reference}", access, ct)).OfType<AllergyIntolerance>()
            .Where(a => a.ClinicalStatus?.Coding.Any(c => c.Code is "inactive" or "resolved") != true).ToList();
        return new(patient, medications, allergies);
    }

    private async Task<List<Resource>> FindAsync(string type, string query, CallerAccess access, CancellationToken ct)
    {
        if (!access.RestrictionFor(type, Permissions.Read).Allowed) return [];
        var page = await store.SearchAsync(criteria.Parse(type, query) with { Count = Max, Cursor = null }, ct);
        var found = new List<Resource>();
        foreach (var version in page.Entries.Where(e => !e.IsDeleted))
            if (await access.MayReadAsync(version, Permissions.Read, ct))
                found.Add(FhirParser.ParseStored(version.Json.Span));
        return found;
    }
}
