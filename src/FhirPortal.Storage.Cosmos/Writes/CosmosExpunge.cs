using Microsoft.Azure.Cosmos;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Removes a resource with every document that holds it: superseded versions (own partition), replicas, the current
/// or deleted document in its home and the pointer to that home. The home document goes last but one, so a run
/// interrupted before it leaves the resource searchable and the next run finds it again.
/// </summary>
internal static class CosmosExpunge
{
    public static async Task<bool> RunAsync(CosmosGateway db, CosmosTransactions transactions, ResourceKey key, CancellationToken ct)
    {
        CosmosLocator.Found found;
        try
        {
            found = await transactions.SettledAsync(key, forWrite: true, ct);
        }
        catch (WriteConflictException)
        {
            // A live transaction holds it: left for the next run.
            return false;
        }
        if (found.Resource is null && found.Own is null) return false;
        var own = CosmosKeys.Own(key);
        var versions = new QueryDefinition("SELECT c.id FROM c WHERE c.pk = @pk AND c.kind = @kind AND c.type = @type AND c.rid = @rid")
            .WithParameter("@pk", own).WithParameter("@kind", CosmosKeys.Version).WithParameter("@type", key.Type).WithParameter("@rid", key.Id);
        foreach (var version in await db.QueryAsync(versions, own, int.MaxValue, ct))
            await db.DeleteAsync((string)version!["id"]!, own, null, ct);
        var id = CosmosKeys.ResourceId(key);
        if (found.Resource is { } resource)
        {
            foreach (var partition in CosmosDocuments.ReplicasOf(resource.Body))
                await db.DeleteAsync(id, partition, null, ct);
            // Note: only the version that was read; a write that landed meanwhile keeps the resource for the next run.
            if (!await db.DeleteAsync(id, (string)resource.Body["pk"]!, resource.ETag, ct)) return false;
        }
        // The pointer in its own partition when its home is a patient's (a remembered home skips reading it, so go by the home).
        var pointer = found.Resource is { } current ? (string)current.Body["pk"]! != own
            : found.Own is { } ownDoc && CosmosDocuments.Kind(ownDoc.Body) == CosmosKeys.Pointer;
        if (pointer) await db.DeleteAsync(id, own, null, ct);
        transactions.Locator.Forget(key);
        return found.Resource is not null;
    }
}
