using FhirPortal.Search;
using FhirPortal.Storage;

namespace FhirPortal.Core.Access;

/// <summary>
/// Decides whether one resource version satisfies a restriction when some of its conditions reach other resources
/// (chains, <c>_has</c>, "in the compartment of a Patient that ..."): the version's own index values say which
/// resources it points at or which compartments it is in, and the store answers whether those satisfy the inner
/// condition, with the meaning a search gives them. Everything else is decided in memory by <see cref="ResourceMatcher"/>.
/// </summary>
internal static class LinkedConditionMatcher
{
    public static async Task<bool> SatisfiesAsync(AccessRestriction restriction, ResourceIndex index, string type, string? id,
        IResourceStore store, CancellationToken ct)
    {
        if (!restriction.Allowed) return false;
        return restriction.Alternatives is not { } alternatives || await AnyAsync(alternatives, new(index, type, id, store), ct);
    }

    private sealed record Candidate(ResourceIndex Index, string Type, string? Id, IResourceStore Store);

    private static async Task<bool> AnyAsync(IReadOnlyList<IReadOnlyList<SearchCondition>> alternatives, Candidate candidate, CancellationToken ct)
    {
        foreach (var all in alternatives)
            if (await AllAsync(all, candidate, ct)) return true;
        return false;
    }

    private static async Task<bool> AllAsync(IReadOnlyList<SearchCondition> conditions, Candidate candidate, CancellationToken ct)
    {
        // In-memory conditions first: most candidates fail there without a query.
        foreach (var condition in conditions.OrderBy(c => IsLinked(c) ? 1 : 0))
            if (!await MatchesAsync(condition, candidate, ct)) return false;
        return true;
    }

    private static bool IsLinked(SearchCondition condition) =>
        condition is ChainCondition or HasCondition or CompartmentOwnerCondition or AnyOfCondition;

    private static Task<bool> MatchesAsync(SearchCondition condition, Candidate c, CancellationToken ct) => condition switch
    {
        AnyOfCondition any => AnyAsync(any.Alternatives, c, ct),
        ChainCondition chain => ExistsAsync(c.Store, chain.TargetType, c.Index.References
            .Where(v => v.Param == chain.Param && v.TargetType == chain.TargetType && v.TargetId is not null)
            .Select(v => v.TargetId!), chain.Inner, ct),
        CompartmentOwnerCondition owner => ExistsAsync(c.Store, owner.CompartmentType, c.Index.Compartments
            .Where(m => m.CompartmentType == owner.CompartmentType).Select(m => m.Id), owner.Owner, ct),
        HasCondition has when c.Id is not null => ExistsAsync(c.Store, has.SourceType,
            [new ReferenceCondition(has.ReferenceParam, [new ReferenceMatch(c.Type, c.Id, null)]), has.Inner], ct),
        HasCondition => Task.FromResult(false),
        _ => Task.FromResult(ResourceMatcher.Matches(condition, c.Index, c.Type, c.Id, exclusive: false)),
    };

    /// <summary>Some current resource of the type with one of the ids satisfies the condition.</summary>
    private static Task<bool> ExistsAsync(IResourceStore store, string type, IEnumerable<string> ids, SearchCondition inner, CancellationToken ct)
    {
        var list = ids.Distinct(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? Task.FromResult(false) : ExistsAsync(store, type, [new IdCondition(list), inner], ct);
    }

    private static async Task<bool> ExistsAsync(IResourceStore store, string type, IReadOnlyList<SearchCondition> conditions, CancellationToken ct) =>
        (await store.SearchAsync(new SearchQuery(type, conditions, Count: 1), ct)).Entries.Count > 0;
}
