using FhirPortal.Core.Serialization;
using FhirPortal.Core.Validation;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;

namespace FhirPortal.Core.Terminology;

/// <summary>
/// The ConceptMaps <c>$translate</c> uses when it is given no map (conceptmap-operation-translate.html: "the server
/// has to figure out which concept map to use"): every stored and R4 core map whose <c>source</c> and <c>target</c>
/// ValueSets are the ones asked for (those given), with a group from the coding's system (to it, with
/// <c>reverse</c>) and, with <c>targetsystem</c>, to that system. Stored maps come first; the answer lists each match's map.
/// </summary>
internal static class ConceptMapSelection
{
    private const int PageSize = 500;

    // The core package's maps, read once (a few dozen v2/v3 mappings).
    private static readonly Lazy<List<ConceptMap>> CoreMaps = new(() =>
        ConformanceResources.CoreListing.ListResourceUris(ResourceType.ConceptMap)
            .Select(uri => ConformanceResources.Core.TryResolveByUriAsync(uri).GetAwaiter().GetResult().Value)
            .OfType<ConceptMap>().ToList());

    public static async Task<List<ConceptMap>> SelectAsync(IResourceStore store, string? source, string? target, string? targetSystem,
        IReadOnlyList<Coding> codings, bool reverse, CancellationToken ct)
    {
        bool Selected(ConceptMap map) =>
            (source is null || Canonical(map.Source) == source) && (target is null || Canonical(map.Target) == target)
            && map.Group.Any(g => codings.Any(c => c.System is null || (reverse ? g.Target : g.Source) == c.System)
                                  && (targetSystem is null || (reverse ? g.Source : g.Target) == targetSystem));
        var stored = new List<ConceptMap>();
        string? cursor = null;
        do
        {
            var page = await store.SearchAsync(new SearchQuery("ConceptMap", [], PageSize, cursor), ct);
            stored.AddRange(page.Entries.Select(e => (ConceptMap)FhirParser.ParseStored(e.Json.Span)).Where(Selected));
            cursor = page.NextCursor;
        } while (cursor is not null);
        var storedUrls = stored.Select(m => m.Url).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return [.. stored, .. CoreMaps.Value.Where(m => m.Url is null || !storedUrls.Contains(m.Url)).Where(Selected)];
    }

    /// <summary>ConceptMap.source[x] / target[x] as a plain URL (uri or canonical, without a version).</summary>
    private static string? Canonical(DataType? value) => (value as PrimitiveType)?.ToString()?.Split('|')[0];
}
