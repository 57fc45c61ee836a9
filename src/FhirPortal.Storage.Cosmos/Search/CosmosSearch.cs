using System.Text;
using FhirPortal.Search;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Runs a <see cref="SearchQuery"/> over the current documents: in the partitions <see cref="CosmosRouting"/> picks,
/// a page in _sort order with keyset paging (<see cref="CosmosSort"/>), and _total.
/// </summary>
internal sealed class CosmosSearch(CosmosGateway db, CosmosWideTypes wide)
{
    private const string Columns = "c.id, c.type, c.rid, c.vid, c.m, c.lu, c.lum, c.raw, c.pat";

    public async Task<Page> QueryAsync(SearchQuery query, CancellationToken ct)
    {
        query = await CosmosReferenceConditions.ResolveAsync(db, wide, query, ct);
        var parts = await CosmosRouting.PartsAsync(query, wide, CosmosSort.Merges(query.Sort), ct);
        long? total = null;
        if (Page.Counts(query))
        {
            total = 0;
            foreach (var part in parts) total += await CountAsync(part, ct);
        }
        if (query.Count == 0) return new Page([], null) { Total = total };

        var queries = parts.Select(part => new CosmosSort.PartQuery(c => Where(c, part), part.Partition)).ToList();
        var (rows, next, previous) = await CosmosSort.PageAsync(db, query, queries, Columns, ct);
        var entries = rows.Select(CosmosDocuments.ToStored).ToList();
        return new Page(entries, next)
        {
            PreviousCursor = previous, Total = total ?? Page.KnownTotal(query, entries.Count, next), Included = await CosmosIncludes.FindAsync(db, query, entries, ct),
        };
    }

    public async Task<bool> AnyMatchAsync(SearchQuery query, CancellationToken ct)
    {
        query = await CosmosReferenceConditions.ResolveAsync(db, wide, query, ct);
        foreach (var part in await CosmosRouting.PartsAsync(query, wide, split: true, ct))
        {
            var conditions = new CosmosConditions();
            var sql = $"SELECT TOP 1 c.id FROM c WHERE {Where(conditions, part)}";
            if (await CosmosIdChunks.AnyAsync(db, conditions.Build(sql), part.Partition, ct)) return true;
        }
        return false;
    }

    private async Task<long> CountAsync(CosmosPart part, CancellationToken ct)
    {
        var conditions = new CosmosConditions();
        return await CosmosIdChunks.CountAsync(db, conditions, Where(conditions, part), part.Partition, ct);
    }

    /// <summary>The part's filter: its scope (<see cref="CosmosPart.Scope"/>), type and conditions.</summary>
    private static string Where(CosmosConditions conditions, CosmosPart part)
    {
        var query = part.Query;
        var sql = new StringBuilder(part.Scope(conditions));
        if (query.ResourceType is not null) sql.Append($" AND c.type = {conditions.Add(query.ResourceType)}");
        else if (query.Types is { Count: > 0 } types) sql.Append($" AND ARRAY_CONTAINS({conditions.Add(types.ToArray())}, c.type)");
        foreach (var condition in query.Conditions) sql.Append(" AND ").Append(conditions.Translate(condition));
        return sql.ToString();
    }
}
