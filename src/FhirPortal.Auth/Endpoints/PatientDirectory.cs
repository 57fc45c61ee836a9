using System.Text.Json;
using FhirPortal.Core;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Storage;
using Microsoft.AspNetCore.Http;

namespace FhirPortal.Auth.Endpoints;

/// <summary>
/// Patients for the picker page and consent labels, read from the FHIR store through Core's interactions. The
/// authorization server reads as itself (no token exists yet); the pages decide who may see the picker.
/// </summary>
public sealed class PatientDirectory(ReadInteraction read, SearchInteraction search, CallerContext callers)
{
    /// <summary>"Given Family (born 1980-04-02)", or null when the patient does not exist.</summary>
    public async Task<string?> LabelAsync(string id, CancellationToken ct)
    {
        using var _ = callers.Use(Caller.Anyone);
        try { return Label((await read.ReadAsync(new ResourceKey("Patient", id), ct)).Json); }
        catch (Exception e) when (e is FhirOutcomeException or ReadInteraction.DeletedException) { return null; }
    }

    public async Task<List<(string Id, string Label)>> SearchAsync(HttpContext http, string? name, CancellationToken ct)
    {
        // Note: an organization account's picker lists only the patients its organization reaches (none for employers).
        using var _ = callers.Use(await Organizations.OrganizationPicker.CallerAsync(http) ?? Caller.Anyone);
        var parameters = new List<KeyValuePair<string, string>> { new("_count", "50"), new("_sort", "family") };
        if (!string.IsNullOrWhiteSpace(name)) parameters.Add(new("name", name.Trim()));
        BundleResult bundle;
        try { bundle = await search.ExecuteAsync(FhirBase.Of(http), new SearchScope("Patient"), parameters, strict: false, ct); }
        catch (FhirOutcomeException) { return []; }
        return bundle.Entries.Where(e => e.Resource is not null)
            .Select(e => (e.Resource!.Key.Id, Label(e.Resource.Json))).ToList();
    }

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
