using System.Text.Json.Nodes;
using FhirPortal.Search;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// A conditional create of one resource without a transaction record. Every conditional create of a type moves
/// that type's criteria document on (a replace, If-Match); one checks its criteria after reading that document,
/// writes the resource and then moves the document on. Of two racing creates whose criteria could match each
/// other's resource, only the first to move it keeps its resource: the other finds it moved, takes its resource
/// back and reports a conflict (its request is then planned again and finds the winner). Transactions lock the
/// same document, so they exclude these creates as they exclude each other. The resource is visible for the
/// moment between its write and the move; a process that dies in that moment while another conditional create
/// of the type races it leaves both resources.
/// </summary>
internal sealed partial class CosmosTransactions
{
    /// <summary>Commits the conditional create; false when the batch is not one (the record protocol commits it).</summary>
    private async Task<bool> CommitConditionalAsync(ResourceWrite write, JsonObject entry, IReadOnlyList<SearchQuery> criteria, CancellationToken ct)
    {
        var type = write.Version.Key.Type;
        if (write.Version.VersionId != 1 || criteria.Any(c => c.ResourceType != type) || CosmosDocuments.Spreads(entry)) return false;
        var counter = await CriteriaDocumentAsync(type, ct);
        foreach (var query in criteria)
        {
            if (await _anyMatch(query, ct))
                throw new WriteConflictException($"A {type} matching the conditional create's criteria was stored concurrently.");
        }
        var created = await CreateSingleAsync(write.Version.Key, entry, ct);
        var moved = CosmosDocuments.Writable(counter.Body);
        moved["n"] = ((long?)moved["n"] ?? 0) + 1;
        if (await _db.ReplaceAsync(moved, counter.ETag, ct) is not null) return true;
        await TakeBackAsync(created, ct);
        throw new WriteConflictException($"Another conditional create of {type} committed first; its criteria may match this one's resource.");
    }

    /// <summary>The type's criteria document, unlocked (created when missing): the base of the conditional create's move.</summary>
    private async Task<CosmosDoc> CriteriaDocumentAsync(string type, CancellationToken ct)
    {
        var id = CriteriaLockId(type);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var doc = await _db.ReadAsync(id, id, ct);
            if (doc is null)
            {
                var fresh = new JsonObject { ["id"] = id, ["pk"] = id, ["kind"] = CosmosKeys.CriteriaLock, ["n"] = 0L };
                if (await _db.CreateAsync(fresh, ct) is { } etag) return new CosmosDoc(fresh, etag);
                continue;
            }
            if (CosmosLocks.Owner(doc.Body) is null) return doc;
            if (await Locks.SettleAsync(doc, ct) == CosmosLocks.Outcome.StillRunning)
                throw new WriteConflictException($"A transaction with a conditional create of {type} is running concurrently.");
        }
        throw new WriteConflictException($"Conditional creates of {type} kept colliding.");
    }

    /// <summary>Removes a create that lost its race (unless someone already wrote over it).</summary>
    private async Task TakeBackAsync(Created created, CancellationToken ct)
    {
        Locator.Forget(created.Key);
        var id = CosmosKeys.ResourceId(created.Key);
        var etag = created.ResourceETag;
        for (var attempt = 0; !await _db.DeleteAsync(id, created.Home, etag, ct); attempt++)
        {
            if (attempt == 5) return;
            // Still the version it wrote, only reindexed meanwhile: still its own to take back.
            var now = await _db.ReadAsync(id, created.Home, ct);
            if (now is null || CosmosDocuments.VersionOf(now.Body) != 1 || CosmosLocks.Owner(now.Body) is not null) return;
            etag = now.ETag;
        }
        if (created.PointerETag is { } pointer) await _db.DeleteAsync(id, CosmosKeys.Own(created.Key), pointer, ct);
    }
}
