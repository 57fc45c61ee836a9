using System.Text.Json.Nodes;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Settles a lock left on a head or criteria document by another transaction: a committed transaction is rolled
/// forward, an aborted one's lock released, and one with no record yet is aborted once its lease has run out
/// (creating its record as "aborted", which its owner's commit can then no longer do: first create wins).
/// A single-resource write's lock is committed already (it holds the writes): it is always rolled forward.
/// </summary>
internal sealed class CosmosLocks(CosmosGateway db, TimeSpan lease, Func<JsonObject, CancellationToken, Task> rollForward)
{
    public enum Outcome { Settled, StillRunning }

    public static JsonObject NewLock(string txn) => new() { ["txn"] = txn, ["at"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };

    /// <summary>A lock that is also the committed transaction record of a one-resource write (its writes inline).</summary>
    public static JsonObject NewCommittedLock(string txn, IEnumerable<JsonObject> entries)
    {
        var lockInfo = NewLock(txn);
        lockInfo["state"] = "committed";
        lockInfo["writes"] = new JsonArray(entries.Select(e => (JsonNode?)e.DeepClone()).ToArray());
        return lockInfo;
    }

    /// <summary>The transaction record a committed lock stands for (marked inline: there is no record document).</summary>
    public static JsonObject InlineRecord(JsonObject committedLock)
    {
        var id = CosmosKeys.TransactionId((string)committedLock["txn"]!);
        return new JsonObject
        {
            ["id"] = id, ["pk"] = id, ["kind"] = CosmosKeys.Transaction, ["state"] = "committed", ["inline"] = true,
            ["at"] = committedLock["at"]!.DeepClone(), ["writes"] = committedLock["writes"]!.DeepClone(), ["crit"] = new JsonArray(),
        };
    }

    public static string? Owner(JsonObject doc) => doc["lock"] is JsonObject l ? (string?)l["txn"] : null;

    public async Task<Outcome> SettleAsync(CosmosDoc locked, CancellationToken ct)
    {
        var lockInfo = locked.Body["lock"]!.AsObject();
        if ((string?)lockInfo["state"] == "committed")
        {
            await rollForward(InlineRecord(lockInfo), ct);
            return Outcome.Settled;
        }
        var txn = (string)lockInfo["txn"]!;
        var record = await RecordAsync(txn, (long)lockInfo["at"]!, ct);
        if (record is null) return Outcome.StillRunning;
        if ((string?)record["state"] == "committed")
            await rollForward(record, ct);
        else
            await ReleaseAsync(locked, ct);
        return Outcome.Settled;
    }

    /// <summary>Releases a lock of an aborted transaction (a head it created is deleted again); a no-op if the document changed.</summary>
    public async Task ReleaseAsync(CosmosDoc locked, CancellationToken ct)
    {
        var body = locked.Body;
        var pk = (string)body["pk"]!;
        if ((string?)body["kind"] == CosmosKeys.CriteriaLock || (int?)body["vid"] == 0)
        {
            await db.DeleteAsync((string)body["id"]!, pk, locked.ETag, ct);
            return;
        }
        var released = body.DeepClone().AsObject();
        released["lock"] = null;
        await db.ReplaceAsync(released, locked.ETag, ct);
    }

    private async Task<JsonObject?> RecordAsync(string txn, long lockedAt, CancellationToken ct)
    {
        var id = CosmosKeys.TransactionId(txn);
        var record = await db.ReadAsync(id, id, ct);
        if (record is not null) return record.Body;
        if (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - lockedAt < lease.TotalMilliseconds) return null;
        var aborted = new JsonObject
        {
            ["id"] = id, ["pk"] = id, ["kind"] = CosmosKeys.Transaction, ["state"] = "aborted",
            ["at"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        if (await db.CreateAsync(aborted, ct) is not null) return aborted;
        return (await db.ReadAsync(id, id, ct))?.Body;
    }
}
