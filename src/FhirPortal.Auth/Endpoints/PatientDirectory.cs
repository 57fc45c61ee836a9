using System.Text.Json;
using FhirPortal.Core;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Storage;
using Microsoft.AspNetCore.Http;

namespace FhirPortal.Auth.Endpoints;

/// <summary>
/// Patients and their encounters for the picker pages and consent labels, read from the FHIR store through Core's interactions. The
/// authorization server reads as itself (no token exists yet); the pages decide who may see the picker.
/// </summary>
public sealed class PatientDirectory(ReadInteraction read, SearchInteraction search, CallerContext callers)
{
    /// <summary>"Given Family (born 1980-04-02)", or null when the patient does not exist.</summary>
    public async Task<string?> LabelAsync(string id, CancellationToken ct)
    {
        using var _ = callers.Use(Caller.Server);
        try { return Label((await read.ReadAsync(new ResourceKey("Patient", id), ct)).Json); }
        catch (Exception e) when (e is FhirOutcomeException or ReadInteraction.DeletedException) { return null; }
    }

    /// <summary>Whether the signed-in user may pick this patient: it exists and, for an organization account, its organization reaches it.</summary>
    public async Task<bool> IsPickableAsync(HttpContext http, string id, CancellationToken ct)
    {
        using var _ = callers.Use(await Organizations.OrganizationPicker.CallerAsync(http) ?? Caller.Server);
        try { await read.ReadAsync(new ResourceKey("Patient", id), ct); return true; }
        catch (Exception e) when (e is FhirOutcomeException or ReadInteraction.DeletedException) { return false; }
    }

    public async Task<List<(string Id, string Label)>> SearchAsync(HttpContext http, string? name, CancellationToken ct)
    {
        // Note: an organization account's picker lists only the patients its organization reaches (none for employers).
        using var _ = callers.Use(await Organizations.OrganizationPicker.CallerAsync(http) ?? Caller.Server);
        var parameters = new List<KeyValuePair<string, string>> { new("_count", "50"), new("_sort", "family") };
        if (!string.IsNullOrWhiteSpace(name)) parameters.Add(new("name", name.Trim()));
        BundleResult bundle;
        try { bundle = await search.ExecuteAsync(FhirBase.Of(http), new SearchScope("Patient"), parameters, strict: false, ct); }
        catch (FhirOutcomeException) { return []; }
        return bundle.Entries.Where(e => e.Resource is not null)
            .Select(e => (e.Resource!.Key.Id, Label(e.Resource.Json))).ToList();
    }

    /// <summary>The patient's encounters, newest first, for the standalone <c>launch/encounter</c> picker.</summary>
    public async Task<List<(string Id, string Label)>> EncountersAsync(HttpContext http, string patientId, CancellationToken ct)
    {
        using var _ = callers.Use(Caller.Server);
        var parameters = new List<KeyValuePair<string, string>> { new("patient", patientId), new("_sort", "-date"), new("_count", "50") };
        var bundle = await search.ExecuteAsync(FhirBase.Of(http), new SearchScope("Encounter"), parameters, strict: false, ct);
        return bundle.Entries.Where(e => e.Resource is not null)
            .Select(e => (e.Resource!.Key.Id, EncounterLabel(e.Resource.Json))).ToList();
    }

    /// <summary>Whether the encounter exists and its subject is the patient (a picked value is never trusted as sent).</summary>
    public async Task<bool> IsEncounterOfAsync(string encounterId, string patientId, CancellationToken ct)
    {
        using var _ = callers.Use(Caller.Server);
        try
        {
            using var document = JsonDocument.Parse((await read.ReadAsync(new ResourceKey("Encounter", encounterId), ct)).Json);
            return document.RootElement.TryGetProperty("subject", out var subject) && subject.TryGetProperty("reference", out var reference)
                && reference.GetString() == $"Patient/{patientId}";
        }
        catch (Exception e) when (e is FhirOutcomeException or ReadInteraction.DeletedException) { return false; }
    }

    private static string EncounterLabel(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var what = root.TryGetProperty("type", out var types) && types.GetArrayLength() > 0 ? Text(types[0])
            : root.TryGetProperty("class", out var kind) && kind.TryGetProperty("display", out var display) ? display.GetString()
            : root.TryGetProperty("class", out kind) && kind.TryGetProperty("code", out var code) ? code.GetString() : null;
        var when = root.TryGetProperty("period", out var period) && period.TryGetProperty("start", out var start) ? start.GetString()?[..Math.Min(10, start.GetString()!.Length)] : null;
        var status = root.TryGetProperty("status", out var s) ? s.GetString() : null;
        return string.Join(", ", new[] { what ?? "Encounter", when, status }.Where(p => !string.IsNullOrEmpty(p)));
    }

    private static string? Text(JsonElement concept) =>
        concept.TryGetProperty("text", out var text) ? text.GetString()
        : concept.TryGetProperty("coding", out var codings) && codings.GetArrayLength() > 0 && codings[0].TryGetProperty("display", out var d) ? d.GetString()
        : null;

    private static string Label(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var label = root.GetProperty("id").GetString()!;
        if (root.TryGetProperty("name", out var names) && names.GetArrayLength() > 0)
        {
            var name = names[0];
            var given = name.TryGetProperty("given", out var g) ? string.Join(' ', g.EnumerateArray().Select(x => x.GetString())) : "";
            var family = name.TryGetProperty("family", out var f) ? f.GetString() : "";
            label = $"{given} {family}".Trim();
        }
        if (root.TryGetProperty("birthDate", out var birth)) label += $" (born {birth.GetString()})";
        return label;
    }
}
