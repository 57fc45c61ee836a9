using System.Text.Json.Nodes;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Writes and removes current documents only when they hold an older version, so a delayed roll-forward of an old
/// transaction can never overwrite what a later one wrote.
/// </summary>
internal static class CosmosCurrent
{
    public static async Task WriteIfOlderAsync(CosmosGateway db, JsonObject doc, int vid, CancellationToken ct)
    {
        // A first version has no current document yet: try the create before paying for a read.
        if (vid == 1 && await db.CreateAsync(doc, ct) is not null) return;
        while (true)
        {
            var existing = await db.ReadAsync((string)doc["id"]!, (string)doc["pk"]!, ct);
            if (existing is not null && CosmosDocuments.VersionOf(existing.Body) >= vid) return;
            var written = existing is null ? await db.CreateAsync(doc, ct) : await db.ReplaceAsync(doc, existing.ETag, ct);
            if (written is not null) return;
        }
    }

    public static async Task DeleteIfOlderAsync(CosmosGateway db, ResourceKey key, string home, int vid, CancellationToken ct)
    {
        while (true)
        {
            var existing = await db.ReadAsync(CosmosKeys.CurrentId(key), home, ct);
            if (existing is null || CosmosDocuments.VersionOf(existing.Body) >= vid) return;
            if (await db.DeleteAsync(CosmosKeys.CurrentId(key), home, existing.ETag, ct)) return;
        }
    }
}
