using System.Text.Json.Nodes;
using FhirPortal.Search;
using Microsoft.Azure.Cosmos;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Recomputes the index of current documents (and their replicas) in document-id order, one batch per call. Each
/// document is replaced only if unchanged since it was read (If-Match): a concurrent write has just indexed it itself.
/// </summary>
internal static class CosmosReindex
{
    public static async Task<ReindexProgress> RunAsync(CosmosGateway db, ReindexBatch batch, Func<StoredResource, ResourceIndex> index, CancellationToken ct)
    {
        var sql = $"SELECT TOP {batch.Count} * FROM c WHERE c.kind = @kind";
        var query = new Dictionary<string, object> { ["@kind"] = CosmosKeys.Current };
        if (batch.Type is not null) { sql += " AND c.type = @type"; query["@type"] = batch.Type; }
        if (batch.Id is not null) { sql += " AND c.rid = @rid"; query["@rid"] = batch.Id; }
        if (batch.Cursor is not null) { sql += " AND c.id > @after"; query["@after"] = batch.Cursor; }
        var definition = new QueryDefinition(sql + " ORDER BY c.id");
        foreach (var (name, value) in query) definition.WithParameter(name, value);

        var rows = await db.QueryAsync(definition, null, batch.Count, ct);
        foreach (var row in rows)
        {
            var etag = (string)row!["_etag"]!;
            var doc = CosmosDocuments.Writable(row.AsObject());
            var rebuilt = index(CosmosDocuments.ToStored(doc));
            var reindexed = CosmosIndexJson.Write(rebuilt);
            // The access audit reads a version's patients (pat): they follow the compartments rebuilt here.
            reindexed["pat"] = ResourceWrite.PatientsOf(rebuilt);
            foreach (var (name, value) in reindexed) doc[name] = value?.DeepClone();
            if (await db.ReplaceAsync(doc, etag, ct) is null) continue;
            // Replicas of this version get the same index (a newer version's replicas were written with theirs).
            foreach (var partition in CosmosDocuments.ReplicasOf(doc))
            {
                var replica = await db.ReadAsync((string)doc["id"]!, partition, ct);
                if (replica is null || CosmosDocuments.VersionOf(replica.Body) != CosmosDocuments.VersionOf(doc)) continue;
                var copy = CosmosDocuments.Writable(replica.Body);
                foreach (var (name, value) in reindexed) copy[name] = value?.DeepClone();
                await db.ReplaceAsync(copy, replica.ETag, ct);
            }
        }
        var next = rows.Count == batch.Count && rows.Count > 0 ? (string)rows[^1]!["id"]! : null;
        return new ReindexProgress(rows.Count, next);
    }
}
