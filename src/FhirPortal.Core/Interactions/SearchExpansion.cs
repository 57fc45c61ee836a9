using FhirPortal.Core.Access;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Interactions;

/// <summary>
/// Resolves conditions that depend on other stored resources into plain ones before the store runs the query:
/// <c>:in</c>/<c>:not-in</c> expand a ValueSet stored on this server into codes, <c>_list</c> reads the List's items
/// (a List the caller may not read is a 403).
/// </summary>
public sealed class SearchExpansion(IResourceStore store, CallerContext callers)
{
    // Nested ValueSets may include each other; deeper than this is a cycle or an unreasonable definition.
    private const int MaxDepth = 8;

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
        ValueSetCondition or ListCondition => true,
        ChainCondition chain => NeedsResolution(chain.Inner),
        HasCondition has => NeedsResolution(has.Inner),
        _ => false,
    };

    private async Task<SearchCondition> ResolveAsync(SearchCondition condition, string? type, CancellationToken ct) => condition switch
    {
        ValueSetCondition vs => new TokenCondition(vs.Param, await ExpandAsync(vs.ValueSet, 0, ct), vs.Not ? TokenModifier.Not : TokenModifier.None),
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

    private async Task<List<TokenMatch>> ExpandAsync(string reference, int depth, CancellationToken ct)
    {
        if (depth > MaxDepth) throw FhirOutcomeException.Unprocessable($"ValueSet '{reference}' includes other ValueSets too deeply (a cycle?).");
        var valueSet = await FindAsync<ValueSet>(reference, ct)
                       ?? throw FhirOutcomeException.BadRequest($"ValueSet '{reference}' is not stored on this server, so :in/:not-in cannot use it.");
        if (valueSet.Expansion?.Contains is { Count: > 0 } contains)
            return Flatten(contains).ToList();

        var codes = new List<TokenMatch>();
        foreach (var include in valueSet.Compose?.Include ?? [])
            codes.AddRange(await IncludedAsync(include, reference, depth, ct));
        var excluded = new HashSet<(string?, string?)>();
        foreach (var exclude in valueSet.Compose?.Exclude ?? [])
            foreach (var code in await IncludedAsync(exclude, reference, depth, ct))
                excluded.Add((code.System, code.Code));
        return codes.Where(c => !excluded.Contains((c.System, c.Code))).Distinct().ToList();
    }

    private async Task<IEnumerable<TokenMatch>> IncludedAsync(ValueSet.ConceptSetComponent include, string reference, int depth, CancellationToken ct)
    {
        if (include.Filter.Count > 0)
            throw FhirOutcomeException.Unprocessable($"ValueSet '{reference}' selects codes with filters, which this server cannot expand.");
        IEnumerable<TokenMatch>? codes = null;
        if (include.Concept.Count > 0)
            codes = include.Concept.Select(c => new TokenMatch(SystemRule.Exact, include.System, c.Code));
        else if (include.System is not null)
        {
            var codeSystem = await FindAsync<CodeSystem>(include.System, ct)
                             ?? throw FhirOutcomeException.Unprocessable(
                                 $"ValueSet '{reference}' includes all of {include.System}, which is not stored here, so it cannot be expanded.");
            codes = Concepts(codeSystem.Concept).Select(code => new TokenMatch(SystemRule.Exact, include.System, code)).ToList();
        }
        foreach (var nested in include.ValueSet.OfType<string>())
        {
            var members = await ExpandAsync(nested, depth + 1, ct);
            // A system together with valueSets means the codes in all of them (intersection).
            codes = codes is null ? members : codes.Where(c => members.Any(m => m.System == c.System && m.Code == c.Code)).ToList();
        }
        return codes ?? [];
    }

    private async Task<T?> FindAsync<T>(string reference, CancellationToken ct) where T : Resource
    {
        var type = typeof(T).Name;
        if (reference.StartsWith(type + "/", StringComparison.Ordinal))
        {
            var stored = await store.ReadAsync(new ResourceKey(type, reference[(type.Length + 1)..]), ct);
            return stored is null || stored.IsDeleted ? null : (T)FhirParser.ParseStored(stored.Json.Span);
        }
        var bar = reference.IndexOf('|');
        var url = bar < 0 ? reference : reference[..bar];
        List<SearchCondition> conditions = [new UriCondition("url", [url])];
        if (bar >= 0) conditions.Add(new TokenCondition("version", [new TokenMatch(SystemRule.Any, null, reference[(bar + 1)..])]));
        var page = await store.SearchAsync(new SearchQuery(type, conditions, 1) { Sort = [new SortKey("_lastUpdated", true)] }, ct);
        return page.Entries.Count == 0 ? null : (T)FhirParser.ParseStored(page.Entries[0].Json.Span);
    }

    private static IEnumerable<TokenMatch> Flatten(IEnumerable<ValueSet.ContainsComponent> contains) =>
        contains.SelectMany(c => (c.Code is null ? [] : new[] { new TokenMatch(SystemRule.Exact, c.System, c.Code) }).Concat(Flatten(c.Contains)));

    private static IEnumerable<string> Concepts(IEnumerable<CodeSystem.ConceptDefinitionComponent> concepts) =>
        concepts.SelectMany(c => (c.Code is null ? [] : new[] { c.Code }).Concat(Concepts(c.Concept)));
}
