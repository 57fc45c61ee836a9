using System.Text.Json.Nodes;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Settles what a transaction of several writes leaves on documents before its commit point: a lock on a current
/// document or on a conditional create's type, or the pointer of a resource it creates. A committed transaction
/// is rolled forward, an aborted one's marks released, and one with no record yet is aborted once its lease has
/// run out (creating its record as "aborted", which its owner's commit can then no longer do: first create wins).
/// </summary>
internal sealed class CosmosLocks(CosmosGateway db, TimeSpan lease, TimeProvider clock, Func<JsonObject, CancellationToken, Task> rollForward)
{
    public enum Outcome { Settled, StillRunning }

    public JsonObject NewLock(string txn) => new() { ["txn"] = txn, ["at"] = clock.GetUtcNow().ToUnixTimeMilliseconds() };

    /// <summary>The transaction whose lock the document carries, if any.</summary>
    public static string? Owner(JsonObject doc) => doc["lock"] is JsonObject l ? (string?)l["txn"] : null;

    /// <summary>The transaction creating the resource a pointer stands for, if any.</summary>
    public static string? Creator(JsonObject pointer) => (string?)pointer["txn"];

    /// <summary>Settles the lock on a document (<see cref="Owner"/> is not null).</summary>
    public Task<Outcome> SettleAsync(CosmosDoc locked, CancellationToken ct)
    {
        var lockInfo = locked.Body["lock"]!.AsObject();
        return SettleAsync(locked, (string)lockInfo["txn"]!, (long)lockInfo["at"]!, ct);
    }

    /// <summary>Settles the transaction creating the resource of a pointer whose resource does not exist yet.</summary>
    public Task<Outcome> SettleCreateAsync(CosmosDoc pointer, CancellationToken ct) =>
        SettleAsync(pointer, Creator(pointer.Body)!, (long)pointer.Body["at"]!, ct);

    private async Task<Outcome> SettleAsync(CosmosDoc doc, string txn, long at, CancellationToken ct)
    {
        var record = await RecordAsync(txn, at, ct);
        if (record is null) return Outcome.StillRunning;
        if ((string?)record["state"] == "committed")
            await rollForward(record, ct);
        // A record found missing may have been a committed one, applied and deleted since this document was read: a
        // lock is then gone (its release fails), but a create's pointer in its own partition is left as it was, so
        // keep it when its resource is there (only a committed transaction writes it).
        else if (CosmosDocuments.Kind(doc.Body) is not CosmosKeys.Pointer || !await ResourceAtHomeAsync(doc.Body, ct))
            await ReleaseAsync(doc, ct);
        return Outcome.Settled;
    }

    /// <summary>
    /// Gives back what a transaction held (once applied, or aborted): the pointer of a create that never happened is
    /// deleted, the lock of a current or criteria document removed; a no-op if the document changed since.
    /// </summary>
    public async Task ReleaseAsync(CosmosDoc held, CancellationToken ct)
    {
        var body = held.Body;
        if (CosmosDocuments.Kind(body) is CosmosKeys.Pointer)
        {
            await db.DeleteAsync((string)body["id"]!, (string)body["pk"]!, held.ETag, ct);
            return;
        }
        var txn = Owner(body);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var released = CosmosDocuments.Writable(body);
            released.Remove("lock");
            if (await db.ReplaceAsync(released, held.ETag, ct) is not null) return;
            // Changed since: still this transaction's lock when only its index was rewritten (reindex keeps locks).
            var now = await db.ReadAsync((string)body["id"]!, (string)body["pk"]!, ct);
            if (now is null || txn is null || Owner(now.Body) != txn) return;
            (body, held) = (now.Body, now);
        }
    }

    private async Task<bool> ResourceAtHomeAsync(JsonObject pointer, CancellationToken ct) =>
        await db.ReadAsync((string)pointer["id"]!, (string)pointer["home"]!, ct) is { } atHome && CosmosDocuments.IsResource(atHome.Body);

    private async Task<JsonObject?> RecordAsync(string txn, long lockedAt, CancellationToken ct)
    {
        var id = CosmosKeys.TransactionId(txn);
        var record = await db.ReadAsync(id, id, ct);
        if (record is not null) return record.Body;
        if (clock.GetUtcNow().ToUnixTimeMilliseconds() - lockedAt < lease.TotalMilliseconds) return null;
        var aborted = new JsonObject
        {
            ["id"] = id, ["pk"] = id, ["kind"] = CosmosKeys.Transaction, ["state"] = "aborted",
            ["at"] = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        if (await db.CreateAsync(aborted, ct) is not null) return aborted;
        return (await db.ReadAsync(id, id, ct))?.Body;
    }
}
