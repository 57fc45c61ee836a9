using FhirPortal.Core.Access;
using FhirPortal.Core.Serialization;
using FhirPortal.Core.Terminology;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Interactions;

/// <summary>
/// Resolves conditions that depend on other stored resources into plain ones before the store runs the query:
/// <c>:in</c>/<c>:not-in</c>/<c>:below</c>/<c>:above</c> become sets of codes (<see cref="SearchTerminology"/>), <c>_list</c> reads the List's items
/// (a List the caller may not read is a 403).
/// </summary>
public sealed class SearchExpansion(IResourceStore store, CallerContext callers, SearchTerminology terminology)
{
    public async Task<SearchQuery> ResolveAsync(SearchQuery query, CancellationToken ct)
    {
        if (!query.Conditions.Any(NeedsResolution)) return query;
        var resolved = new List<SearchCondition>(query.Conditions.Count);
        foreach (var condition in query.Conditions)
            resolved.Add(await ResolveAsync(condition, query.ResourceType, ct));
        return query with { Conditions = resolved };
    }

    private static bool NeedsResolution(SearchCondition condition) => condition switch
    {
        TerminologyCondition or ListCondition => true,
        ChainCondition chain => NeedsResolution(chain.Inner),
        HasCondition has => NeedsResolution(has.Inner),
        _ => false,
    };

    private async Task<SearchCondition> ResolveAsync(SearchCondition condition, string? type, CancellationToken ct) => condition switch
    {
        TerminologyCondition codes => await terminology.ResolveAsync(codes, ct),
        ListCondition list => new IdCondition(await ListItemsAsync(list.ListId, type, ct)),
        ChainCondition chain => chain with { Inner = await ResolveAsync(chain.Inner, chain.TargetType, ct) },
        HasCondition has => has with { Inner = await ResolveAsync(has.Inner, has.SourceType, ct) },
        _ => condition,
    };

    private async Task<IReadOnlyList<string>> ListItemsAsync(string listId, string? type, CancellationToken ct)
    {
        var stored = await store.ReadAsync(new ResourceKey("List", listId), ct);
        if (stored is null || stored.IsDeleted) return [];
        // A List of another patient would otherwise reveal which of the caller's resources it names.
        await callers.Current.RequireReadAsync(stored, Permissions.Read, ct);
        var list = (List)FhirParser.ParseStored(stored.Json.Span);
        return list.Entry
            .Select(e => e.Item?.Reference?.Split('/'))
            .Where(parts => parts is { Length: >= 2 } && (type is null || parts[^2] == type))
            .Select(parts => parts![^1])
            .Distinct()
            .ToList();
    }
}
