using System.Text;
using FhirPortal.Search;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Runs a <see cref="SearchQuery"/> over the current documents: filter, then a page in _sort order with keyset paging
/// (<see cref="CosmosSort"/>), and _total.
/// </summary>
internal sealed class CosmosSearch(CosmosGateway db)
{
    private const string Columns = "c.id, c.type, c.rid, c.vid, c.m, c.lu, c.lum, c.raw";

    public async Task<Page> QueryAsync(SearchQuery query, CancellationToken ct)
    {
        query = await CosmosReferenceConditions.ResolveAsync(db, query, ct);
        var pk = CosmosRouting.PartitionKey(query);
        long? total = query.Total == TotalMode.None ? null : await CountAsync(query, pk, ct);
        if (query.Count == 0) return new Page([], null) { Total = total };

        var (rows, next, previous) = await CosmosSort.PageAsync(db, query, c => Where(c, query), Columns, pk, ct);
        var entries = rows.Select(CosmosDocuments.ToStored).ToList();
        return new Page(entries, next)
        {
            PreviousCursor = previous, Total = total, Included = await CosmosIncludes.FindAsync(db, query, entries, ct),
        };
    }

    public async Task<bool> AnyMatchAsync(SearchQuery query, CancellationToken ct)
    {
        query = await CosmosReferenceConditions.ResolveAsync(db, query, ct);
        var conditions = new CosmosConditions();
        var sql = $"SELECT TOP 1 c.id FROM c WHERE {Where(conditions, query)}";
        return await CosmosIdChunks.AnyAsync(db, conditions.Build(sql), CosmosRouting.PartitionKey(query), ct);
    }

    private async Task<long> CountAsync(SearchQuery query, string? pk, CancellationToken ct)
    {
        var conditions = new CosmosConditions();
        return await CosmosIdChunks.CountAsync(db, conditions, Where(conditions, query), pk, ct);
    }

    private static string Where(CosmosConditions conditions, SearchQuery query)
    {
        var sql = new StringBuilder($"c.kind = {conditions.Add(CosmosKeys.Current)}");
        if (query.ResourceType is not null) sql.Append($" AND c.type = {conditions.Add(query.ResourceType)}");
        else if (query.Types is { Count: > 0 } types) sql.Append($" AND ARRAY_CONTAINS({conditions.Add(types.ToArray())}, c.type)");
        foreach (var condition in query.Conditions) sql.Append(" AND ").Append(conditions.Translate(condition));
        return sql.ToString();
    }
}
