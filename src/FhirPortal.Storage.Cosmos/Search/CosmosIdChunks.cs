using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// An id list a query tests membership in (<c>ARRAY_CONTAINS(@ids, ...)</c>), passed as a query parameter value.
/// <see cref="CosmosIdChunks"/> sends it in chunks of at most <see cref="CosmosIdChunks.ChunkSize"/> ids.
/// </summary>
internal sealed record CosmosIdList(IReadOnlyList<string> Ids);

/// <summary>
/// Runs queries whose parameters hold <see cref="CosmosIdList"/>s. Cosmos DB limits the size of a query (text plus
/// parameters), and Microsoft's FHIR server failed above ~4,940 ids because it sent them all in one query. Here a
/// long list is split into chunks and the query is run once per chunk (per combination of chunks when several
/// lists are long), and the answers are merged: every id list sits in a positive membership test (never under
/// NOT), so a document matches the whole list exactly when it matches one chunk. Pages merge in the query's order
/// and keep each document once; counts count distinct documents.
/// </summary>
internal static class CosmosIdChunks
{
    private static readonly AsyncLocal<int?> Override = new();

    /// <summary>Ids per query: a few tens of kilobytes of parameters, far below the service's request limits.</summary>
    public static int ChunkSize => Override.Value ?? 1000;

    /// <summary>Tests: a smaller chunk size for the current async flow, to exercise the merging on small data.</summary>
    public static IDisposable UseChunkSize(int size)
    {
        var previous = Override.Value;
        Override.Value = size;
        return new Restore(() => Override.Value = previous);
    }

    /// <summary>The first <paramref name="limit"/> rows in the order <paramref name="compare"/> describes (the query's ORDER BY), each document (field "id") once.</summary>
    public static async Task<List<JsonNode?>> PageAsync(
        CosmosGateway db, QueryDefinition query, string? pk, int limit, Comparison<JsonNode> compare, CancellationToken ct)
    {
        var variants = Variants(query);
        if (variants.Count == 1) return await db.QueryAsync(variants[0], pk, limit, ct);
        var merged = new List<JsonNode>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // Each variant is already in order: the first `limit` of the union are among each variant's first `limit`.
        foreach (var variant in variants)
        {
            foreach (var row in await db.QueryAsync(variant, pk, limit, ct))
            {
                if (seen.Add((string)row!["id"]!)) merged.Add(row);
            }
        }
        merged.Sort(compare);
        return merged.Take(limit).Cast<JsonNode?>().ToList();
    }

    /// <summary>Every result of the query (all chunks); <paramref name="key"/> names a result so repeats across chunks are dropped.</summary>
    public static async Task<List<JsonNode?>> AllAsync(CosmosGateway db, QueryDefinition query, string? pk, Func<JsonNode?, string> key, CancellationToken ct)
    {
        var variants = Variants(query);
        if (variants.Count == 1) return await db.QueryAsync(variants[0], pk, int.MaxValue, ct);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var results = new List<JsonNode?>();
        foreach (var variant in variants)
            results.AddRange((await db.QueryAsync(variant, pk, int.MaxValue, ct)).Where(r => seen.Add(key(r))));
        return results;
    }

    /// <summary>
    /// How many documents match <c>WHERE <paramref name="where"/></c>: COUNT(1) for a single query; across chunks the
    /// matching ids, since one document can match several chunks.
    /// </summary>
    public static async Task<long> CountAsync(CosmosGateway db, CosmosConditions conditions, string where, string? pk, CancellationToken ct)
    {
        var count = Variants(conditions.Build($"SELECT VALUE COUNT(1) FROM c WHERE {where}"));
        if (count.Count == 1) return (await db.QueryAsync(count[0], pk, int.MaxValue, ct)).Sum(r => (long)r!);
        var ids = await AllAsync(db, conditions.Build($"SELECT VALUE c.id FROM c WHERE {where}"), pk, r => (string)r!, ct);
        return ids.Count;
    }

    /// <summary>Whether any document matches: the first chunk that finds one answers.</summary>
    public static async Task<bool> AnyAsync(CosmosGateway db, QueryDefinition query, string? pk, CancellationToken ct)
    {
        foreach (var variant in Variants(query))
        {
            if ((await db.QueryAsync(variant, pk, 1, ct)).Count > 0) return true;
        }
        return false;
    }

    /// <summary>The query once per combination of id-list chunks, with plain string arrays as parameter values.</summary>
    public static List<QueryDefinition> Variants(QueryDefinition query)
    {
        var parameters = query.GetQueryParameters();
        var combinations = new List<List<(string Name, object Value)>> { new() };
        foreach (var (name, value) in parameters)
        {
            IReadOnlyList<object> choices = value is CosmosIdList list
                ? list.Ids.Count == 0 ? [Array.Empty<string>()] : list.Ids.Chunk(ChunkSize).ToList<object>()
                : [value];
            combinations = combinations.SelectMany(c => choices.Select(choice => c.Append((name, choice)).ToList())).ToList();
        }
        return combinations.Select(c =>
        {
            var variant = new QueryDefinition(query.QueryText);
            foreach (var (name, value) in c) variant.WithParameter(name, value);
            return variant;
        }).ToList();
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
