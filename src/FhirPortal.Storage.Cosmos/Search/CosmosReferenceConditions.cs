using System.Text.Json.Nodes;
using FhirPortal.Search;

namespace FhirPortal.Storage.Cosmos;

/// <summary>What a <see cref="CosmosSetCondition"/> tests against its id list.</summary>
internal enum CosmosSetKind
{
    /// <summary>A reference of the parameter points at a resource of the target type with one of the ids.</summary>
    Reference,
    /// <summary>The document itself is one of the listed current documents (ids from <see cref="CosmosKeys.ResourceId"/>).</summary>
    Document,
    /// <summary>The resource is in one of the listed compartments ("Patient/123").</summary>
    Compartment,
}

/// <summary>
/// The form a reference-graph condition takes once its inner query has been answered: membership of a reference,
/// of the document or of a compartment in an id list (sent in chunks by <see cref="CosmosIdChunks"/>).
/// <see cref="OutsideCompartment"/> additionally requires the resource to be in no compartment of that type.
/// </summary>
internal sealed record CosmosSetCondition(
    CosmosSetKind Kind, IReadOnlyList<string> Values, string? Param = null, string? TargetType = null, string? OutsideCompartment = null)
    : SearchCondition
{
    public string Predicate(CosmosConditions p)
    {
        var ids = p.Add(new CosmosIdList(Values));
        // Parameter names are unique, so they also make unique aliases.
        var alias = "s" + ids[2..];
        var test = Kind switch
        {
            CosmosSetKind.Reference =>
                $"EXISTS(SELECT VALUE {alias} FROM {alias} IN c.ref WHERE {alias}.p = {p.Add(Param)} AND {alias}.tt = {p.Add(TargetType)} AND ARRAY_CONTAINS({ids}, {alias}.ti))",
            CosmosSetKind.Document => $"ARRAY_CONTAINS({ids}, c.id)",
            _ => $"EXISTS(SELECT VALUE {alias} FROM {alias} IN c.cmp WHERE ARRAY_CONTAINS({ids}, {alias}))",
        };
        return OutsideCompartment is null ? test
            : $"({test} AND NOT EXISTS(SELECT VALUE o{alias} FROM o{alias} IN c.cmp WHERE STARTSWITH(o{alias}, {p.Add(OutsideCompartment + "/")})))";
    }
}

/// <summary>
/// Chains, <c>_has</c>, the compartment-reference and compartment-owner conditions on Cosmos DB, which has no joins
/// between documents: the inner query runs first (innermost first, for nested chains) and yields the ids it found;
/// the outer condition becomes a <see cref="CosmosSetCondition"/> over them. Semantics follow SqliteConditions:
/// only current (not deleted) resources satisfy an inner condition.
/// </summary>
internal static class CosmosReferenceConditions
{
    public static async Task<SearchQuery> ResolveAsync(CosmosGateway db, CosmosWideTypes wide, SearchQuery query, CancellationToken ct)
    {
        if (!query.Conditions.Any(NeedsResolving)) return query;
        var outer = OuterTypes(query);
        var resolved = new List<SearchCondition>();
        foreach (var condition in query.Conditions) resolved.Add(await ResolveAsync(db, wide, condition, outer, ct));
        return query with { Conditions = resolved };
    }

    private static IReadOnlyList<string>? OuterTypes(SearchQuery query) =>
        query.ResourceType is { } type ? [type] : query.Types is { Count: > 0 } types ? types : null;

    private static bool NeedsResolving(SearchCondition condition) => condition switch
    {
        ChainCondition or HasCondition or CompartmentReferenceCondition or CompartmentOwnerCondition => true,
        // A Group export can name thousands of patients: send them through the chunked id lists too.
        AnyCompartmentCondition { Ids: not null } => true,
        AnyOfCondition any => any.Alternatives.Any(all => all.Any(NeedsResolving)),
        _ => false,
    };

    /// <param name="outer">The types the condition is tested on (null: any), to keep the inner answers to what can match.</param>
    private static async Task<SearchCondition> ResolveAsync(CosmosGateway db, CosmosWideTypes wide, SearchCondition condition, IReadOnlyList<string>? outer, CancellationToken ct)
    {
        switch (condition)
        {
            case ChainCondition chain:
                var targets = await IdsAsync(db, wide, chain.TargetType, chain.Inner, ct);
                return new CosmosSetCondition(CosmosSetKind.Reference, targets, chain.Param, chain.TargetType);
            case HasCondition has:
            {
                var inner = await ResolveAsync(db, wide, has.Inner, [has.SourceType], ct);
                var p = new CosmosConditions();
                var where = $"c.kind = {p.Add(CosmosKeys.Current)} AND c.type = {p.Add(has.SourceType)} AND x.p = {p.Add(has.ReferenceParam)}" +
                    $" AND {p.Translate(inner)}";
                return new CosmosSetCondition(CosmosSetKind.Document, await ReferencedAsync(db, p, where, outer, null, ct));
            }
            case CompartmentReferenceCondition c:
            {
                SearchCondition members = c.Ids is null
                    ? new AnyCompartmentCondition(c.CompartmentType, null)
                    : new CosmosSetCondition(CosmosSetKind.Compartment, Compartments(c.CompartmentType, c.Ids));
                // The members run where a search for them would (one patient's: that patient's partition).
                var referenced = new List<string>();
                foreach (var part in await CosmosRouting.PartsAsync(new SearchQuery(null, [members], 0), wide, split: true, ct))
                {
                    var p = new CosmosConditions();
                    // A resource of the compartment's own type is always in its own compartment, so never outside it.
                    var where = $"{part.Scope(p)} AND {p.Translate(members)} AND x.tt != {p.Add(c.CompartmentType)}" +
                        string.Concat((c.IgnoredMemberTypes ?? []).Select(type => $" AND c.type != {p.Add(type)}"));
                    referenced.AddRange(await ReferencedAsync(db, p, where, outer, part.Partition, ct));
                }
                return new CosmosSetCondition(CosmosSetKind.Document, referenced.Distinct(StringComparer.Ordinal).ToList(), OutsideCompartment: c.CompartmentType);
            }
            case CompartmentOwnerCondition c:
                var owners = await IdsAsync(db, wide, c.CompartmentType, c.Owner, ct);
                return new CosmosSetCondition(CosmosSetKind.Compartment, Compartments(c.CompartmentType, owners));
            case AnyCompartmentCondition { Ids: { } ids } c:
                return new CosmosSetCondition(CosmosSetKind.Compartment, Compartments(c.CompartmentType, ids));
            case AnyOfCondition any:
                var alternatives = new List<IReadOnlyList<SearchCondition>>();
                foreach (var all in any.Alternatives)
                {
                    var resolved = new List<SearchCondition>();
                    foreach (var inner in all) resolved.Add(await ResolveAsync(db, wide, inner, outer, ct));
                    alternatives.Add(resolved);
                }
                return new AnyOfCondition(alternatives);
            default:
                return condition;
        }
    }

    private static List<string> Compartments(string type, IEnumerable<string> ids) => ids.Select(id => $"{type}/{id}").ToList();

    /// <summary>The ids of current resources of the type that satisfy the condition.</summary>
    private static async Task<List<string>> IdsAsync(CosmosGateway db, CosmosWideTypes wide, string type, SearchCondition condition, CancellationToken ct)
    {
        var inner = await ResolveAsync(db, wide, condition, [type], ct);
        var p = new CosmosConditions();
        var query = p.Build($"SELECT VALUE c.rid FROM c WHERE c.kind = {p.Add(CosmosKeys.Current)} AND c.type = {p.Add(type)} AND {p.Translate(inner)}");
        var rows = await CosmosIdChunks.AllAsync(db, query, null, r => (string)r!, ct);
        return rows.Select(r => (string)r!).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The current documents of the resources that the documents matching <paramref name="where"/> reference (any
    /// parameter, alias x over their reference entries), limited to the outer types.
    /// </summary>
    private static async Task<List<string>> ReferencedAsync(
        CosmosGateway db, CosmosConditions p, string where, IReadOnlyList<string>? outer, string? pk, CancellationToken ct)
    {
        var types = outer is null ? "" : $" AND ARRAY_CONTAINS({p.Add(outer.ToArray())}, x.tt)";
        var query = p.Build($"SELECT x.tt, x.ti FROM c JOIN x IN c.ref WHERE {where} AND IS_DEFINED(x.tt) AND IS_DEFINED(x.ti){types}");
        var rows = await CosmosIdChunks.AllAsync(db, query, pk, Target, ct);
        return rows.Select(Target).Distinct(StringComparer.Ordinal).ToList();
    }

    private static string Target(JsonNode? row) => CosmosKeys.ResourceId(new ResourceKey((string)row!["tt"]!, (string)row["ti"]!));
}
