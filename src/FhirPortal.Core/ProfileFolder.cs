using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core;

/// <summary>Reads the implementation guide folder (profiles/): every JSON resource in it, Bundles unpacked, in file order.</summary>
public static class ProfileFolder
{
    public static async Task<List<(string File, Resource Resource)>> ReadAsync(string? directory, FhirParser parser, CancellationToken ct)
    {
        var result = new List<(string, Resource)>();
        if (directory is null || !Directory.Exists(directory)) return result;
        foreach (var file in Directory.EnumerateFiles(directory, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var resource = parser.ParseJson(await File.ReadAllBytesAsync(file, ct));
            var name = Path.GetFileName(file);
            if (resource is Bundle bundle) result.AddRange(bundle.Entry.Where(e => e.Resource is not null).Select(e => (name, e.Resource!)));
            else result.Add((name, resource));
        }
        return result;
    }
}
