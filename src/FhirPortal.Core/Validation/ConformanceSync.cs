using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Validation;

/// <summary>
/// Keeps <see cref="ConformanceResources"/> in step with the store. At start-up the profiles/ folder's
/// StructureDefinitions, ValueSets and CodeSystems are stored (a new version only when the file changed), so they
/// are readable and searchable like any resource; after every commit, written or deleted ones take effect at once.
/// </summary>
public sealed class ConformanceSync(ConformanceResources resources)
{
    private readonly NewestVersions _versions = new();

    /// <summary>Applies committed (or polled) versions of conformance resources, never an older one over a newer.</summary>
    public void Committed(IEnumerable<ResourceWrite> writes)
    {
        foreach (var write in writes)
        {
            var version = write.Version;
            if (!ConformanceResources.Types.Contains(version.Key.Type)) continue;
            _versions.Apply(version, () =>
            {
                if (version.IsDeleted) resources.Remove(version.Key.Type, version.Key.Id);
                else resources.Set(FhirParser.ParseStored(version.Json.Span));
            });
        }
    }

    public async Task LoadAsync(string? profilesDirectory, IResourceStore store, FhirParser parser, UpdateInteraction update, CancellationToken ct)
    {
        var files = await ProfileFolder.ReadAsync(profilesDirectory, parser, ct);
        resources.ProvenFiles(files.Select(f => f.Resource).Where(r => ConformanceResources.Types.Contains(r.TypeName)));
        foreach (var (file, resource) in BaseFirst(files))
        {
            if (string.IsNullOrEmpty(resource.Id))
                throw new InvalidOperationException($"profiles/{file}: a {resource.TypeName} needs an id to be stored.");
            var key = new ResourceKey(resource.TypeName, resource.Id);
            var current = await store.ReadAsync(key, ct);
            if (current is { IsDeleted: false } && SameContent(FhirParser.ParseStored(current.Json.Span), resource)) continue;
            await update.UpdateAsync(key, resource, null, ct);
        }
        foreach (var type in ConformanceResources.Types)
        {
            string? cursor = null;
            do
            {
                var page = await store.SearchAsync(new SearchQuery(type, [], 200, cursor), ct);
                // Through the gate too: the poll for other instances' changes may already run, and have applied a newer version.
                foreach (var stored in page.Entries) _versions.Apply(stored, () => resources.Set(FhirParser.ParseStored(stored.Json.Span)));
                cursor = page.NextCursor;
            } while (cursor is not null);
        }
    }

    /// <summary>Terminology first, then each profile after the profile it derives from (a profile is checked against its base).</summary>
    private static IEnumerable<(string File, Resource Resource)> BaseFirst(List<(string File, Resource Resource)> files)
    {
        var conformance = files.Where(f => ConformanceResources.Types.Contains(f.Resource.TypeName)).ToList();
        var profiles = conformance.Where(f => f.Resource is StructureDefinition).ToList();
        var byUrl = profiles.Where(p => ((StructureDefinition)p.Resource).Url is not null)
            .GroupBy(p => ((StructureDefinition)p.Resource).Url!).ToDictionary(g => g.Key, g => g.First());
        int Depth((string, Resource Resource) p, int guard = 0) =>
            guard < 20 && ((StructureDefinition)p.Resource).BaseDefinition is { } b && byUrl.TryGetValue(b, out var parent) ? 1 + Depth(parent, guard + 1) : 0;
        return conformance.Where(f => f.Resource is not StructureDefinition).Concat(profiles.OrderBy(p => Depth(p)));
    }

    private static bool SameContent(Resource stored, Resource file)
    {
        var a = (Resource)stored.DeepCopy();
        var b = (Resource)file.DeepCopy();
        a.Meta = null;
        b.Meta = null;
        return a.IsExactly(b);
    }
}
