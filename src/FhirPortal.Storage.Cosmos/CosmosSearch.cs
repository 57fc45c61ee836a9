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
        if (query.Includes.Count + query.RevIncludes.Count > 0)
            throw new StoreNotSupportedException("The Cosmos DB store does not evaluate _include/_revinclude yet.");
        long? total = query.Total == TotalMode.None ? null : await CountAsync(query, ct);
        if (query.Count == 0) return new Page([], null) { Total = total };

        var (rows, next) = await CosmosSort.PageAsync(db, query, c => Where(c, query), Columns, ct);
        var entries = rows.Select(CosmosDocuments.ToStored).ToList();
        return new Page(entries, next) { Total = total };
    }

    public async Task<bool> AnyMatchAsync(SearchQuery query, CancellationToken ct)
    {
        var conditions = new CosmosConditions();
        var sql = $"SELECT TOP 1 c.id FROM c WHERE {Where(conditions, query)}";
        return (await db.QueryAsync(conditions.Build(sql), null, 1, ct)).Count > 0;
    }

    private async Task<long> CountAsync(SearchQuery query, CancellationToken ct)
    {
        var conditions = new CosmosConditions();
        var rows = await db.QueryAsync(conditions.Build($"SELECT VALUE COUNT(1) FROM c WHERE {Where(conditions, query)}"), null, int.MaxValue, ct);
        return rows.Sum(r => (long)r!);
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
