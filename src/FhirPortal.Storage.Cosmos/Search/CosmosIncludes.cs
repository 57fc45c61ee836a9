using System.Text.Json.Nodes;
using FhirPortal.Search;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// <c>_include</c> and <c>_revinclude</c> for one page, with <c>:iterate</c> applied to what was included, giving the
/// same set as SqliteIncludes (each resource once, never one of the page's matches, at most 8 rounds). Forward
/// includes read the reference entries of the documents in hand and fetch the targets by document id; reverse
/// includes ask for the source type's documents whose references point at them. Both go through the chunked id
/// lists, so a large page or a wide :iterate stays within the service's query size.
/// </summary>
internal static class CosmosIncludes
{
    // Bounds :iterate on cyclic graphs (e.g. Organization.partOf); each round only follows newly found resources.
    private const int MaxRounds = 8;
    private const string Columns = "c.id, c.type, c.rid, c.vid, c.m, c.lu, c.lum, c.raw, c.pat, c.ref";

    public static async Task<IReadOnlyList<StoredResource>> FindAsync(
        CosmosGateway db, SearchQuery query, IReadOnlyList<StoredResource> matches, CancellationToken ct)
    {
        if (query.Includes.Count + query.RevIncludes.Count == 0 || matches.Count == 0) return [];
        var seen = new HashSet<string>(matches.Select(m => CosmosKeys.ResourceId(m.Key)), StringComparer.Ordinal);
        // The page's rows carry no reference entries: read them once when a forward include needs them.
        var frontier = query.Includes.Count == 0
            ? matches.Select(m => (JsonNode)new JsonObject { ["type"] = m.Key.Type, ["rid"] = m.Key.Id }).ToList()
            : (await FetchAsync(db, seen.ToList(), ct)).ToList();
        var included = new List<StoredResource>();
        for (var round = 0; round < MaxRounds && frontier.Count > 0; round++)
        {
            var found = new List<JsonNode>();
            foreach (var spec in query.Includes.Where(s => round == 0 || s.Iterate))
                found.AddRange(await FetchAsync(db, Targets(frontier, spec), ct));
            foreach (var spec in query.RevIncludes.Where(s => round == 0 || s.Iterate))
                found.AddRange(await ReferrersAsync(db, frontier, spec, ct));
            frontier = [];
            foreach (var doc in found)
            {
                if (!seen.Add((string)doc["id"]!)) continue;
                included.Add(CosmosDocuments.ToStored(doc));
                frontier.Add(doc);
            }
        }
        return included;
    }

    /// <summary>The current documents of what the source-type documents reference through the parameter (any, for "*").</summary>
    private static List<string> Targets(IEnumerable<JsonNode> frontier, IncludeSpec spec) =>
        frontier.Where(doc => (string)doc["type"]! == spec.SourceType)
            .SelectMany(doc => doc["ref"]?.AsArray() ?? new JsonArray())
            .Where(x => x!["tt"] is not null && x["ti"] is not null)
            .Where(x => spec.Param == "*" || (string)x!["p"]! == spec.Param)
            .Where(x => spec.TargetType is null || (string)x!["tt"]! == spec.TargetType)
            .Select(x => CosmosKeys.ResourceId(new ResourceKey((string)x!["tt"]!, (string)x["ti"]!)))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    private static async Task<IEnumerable<JsonNode>> FetchAsync(CosmosGateway db, List<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        var p = new CosmosConditions();
        var query = p.Build($"SELECT {Columns} FROM c WHERE c.kind = {p.Add(CosmosKeys.Current)} AND ARRAY_CONTAINS({p.Add(new CosmosIdList(ids))}, c.id)");
        return (await CosmosIdChunks.AllAsync(db, query, null, r => (string)r!["id"]!, ct))!;
    }

    /// <summary>Source-type documents whose parameter (any, for "*") references one of the frontier's resources (of the target type, when named).</summary>
    private static async Task<List<JsonNode>> ReferrersAsync(CosmosGateway db, IEnumerable<JsonNode> frontier, IncludeSpec spec, CancellationToken ct)
    {
        var result = new List<JsonNode>();
        var byType = frontier.Select(doc => ((string)doc["type"]!, (string)doc["rid"]!))
            .Where(k => spec.TargetType is null || k.Item1 == spec.TargetType)
            .GroupBy(k => k.Item1, k => k.Item2);
        foreach (var group in byType)
        {
            var p = new CosmosConditions();
            var param = spec.Param == "*" ? "" : $"x.p = {p.Add(spec.Param)} AND ";
            var query = p.Build($"""
                SELECT {Columns} FROM c WHERE c.kind = {p.Add(CosmosKeys.Current)} AND c.type = {p.Add(spec.SourceType)} AND EXISTS(
                    SELECT VALUE x FROM x IN c.ref WHERE {param}x.tt = {p.Add(group.Key)} AND ARRAY_CONTAINS({p.Add(new CosmosIdList(group.Distinct().ToList()))}, x.ti))
                """);
            result.AddRange((await CosmosIdChunks.AllAsync(db, query, null, r => (string)r!["id"]!, ct))!);
        }
        return result;
    }
}
