using System.Text.Json;
using System.Text.Json.Nodes;
using FhirPortal.Search;
using Microsoft.Azure.Cosmos;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Commits a batch atomically across partitions with single-document conditional writes (README, "Cosmos DB store"):
/// 1. lock each resource's head (If-Match) after checking its version, and each conditional create's type;
/// 2. check the conditional creates' criteria;
/// 3. create the transaction record holding every write: the commit point (it exists as "committed" or not at all);
/// 4. apply: version documents, current documents, heads unlocked; then the record is deleted.
/// A crash before 3 leaves locks that expire and are released; after 3, anyone who meets a lock rolls it forward.
/// A batch that writes one resource (no conditional create) skips the record: its head lock carries the writes and
/// is itself committed, so the one head write is the commit point (4 document writes instead of 6).
/// Records of aborted transactions stay for <see cref="Retention"/> (they stop a stalled owner from committing
/// late), then a sweep deletes them; the sweep also finishes anything left behind, at start and once per lease.
/// </summary>
internal sealed partial class CosmosTransactions
{
    private const int PartChars = 400_000;

    private readonly CosmosGateway _db;
    private readonly TimeSpan _lease;
    private readonly Func<SearchQuery, CancellationToken, Task<bool>> _anyMatch;
    private long _nextSweepMs;

    public CosmosTransactions(CosmosGateway db, TimeSpan lease, Func<SearchQuery, CancellationToken, Task<bool>> anyMatch)
    {
        _db = db;
        _lease = lease;
        _anyMatch = anyMatch;
        Locks = new CosmosLocks(db, lease, RollForwardAsync);
        Retention = lease * 10 + TimeSpan.FromMinutes(5);
    }

    /// <summary>
    /// How long an aborted transaction's record is kept. An owner never commits once half of it has passed since it
    /// took its first lock, so deleting the record later is safe unless that owner stalled for longer than
    /// <c>lease + Retention / 2</c> between that check and its commit write.
    /// </summary>
    public TimeSpan Retention { get; }

    public CosmosLocks Locks { get; }

    private sealed record Held(CosmosDoc Doc);

    public async Task CommitAsync(WriteBatch batch, CancellationToken ct)
    {
        var txn = Guid.NewGuid().ToString("N");
        var started = DateTimeOffset.UtcNow;
        var groups = batch.Writes.GroupBy(w => w.Version.Key).Select(g => g.OrderBy(w => w.Version.VersionId).ToList())
            .OrderBy(g => CosmosKeys.Own(g[0].Version.Key), StringComparer.Ordinal).ToList();
        if (groups.Count == 1 && batch.MustNotMatch.Count == 0 && groups[0].Select(CosmosDocuments.Entry).ToList() is var single
            && single.Sum(e => e.ToJsonString().Length) <= PartChars)
        {
            var committed = CosmosLocks.NewCommittedLock(txn, single);
            var head = await LockHeadAsync(groups[0], txn, committed, ct);
            await ApplyAsync(CosmosLocks.InlineRecord(committed), single, ct, head.Doc);
            await SweepIfDueAsync(ct);
            return;
        }
        var held = new List<Held>();
        var commitAttempted = false;
        try
        {
            foreach (var group in groups) held.Add(await LockHeadAsync(group, txn, CosmosLocks.NewLock(txn), ct));
            var criteriaLocks = new List<string>();
            foreach (var type in batch.MustNotMatch.Select(c => c.ResourceType ?? "*").Distinct())
            {
                held.Add(await LockCriteriaAsync(type, txn, ct));
                criteriaLocks.Add(CriteriaLockId(type));
            }
            foreach (var criteria in batch.MustNotMatch)
            {
                if (await _anyMatch(criteria, ct))
                    throw new WriteConflictException($"A {criteria.ResourceType} matching the conditional create's criteria was stored concurrently.");
            }
            var entries = groups.SelectMany(g => g).Select(CosmosDocuments.Entry).ToList();
            var record = await PrepareRecordAsync(txn, entries, criteriaLocks, ct);
            if (DateTimeOffset.UtcNow - started > Retention / 2)
                throw new WriteConflictException("The transaction took too long to take its locks; it was abandoned.");
            commitAttempted = true;
            if (await _db.CreateAsync(record, ct) is null)
                throw new WriteConflictException("The transaction was aborted by another writer after its lease ran out.");
            await ApplyAsync(record, entries, ct, held.Select(h => h.Doc).Where(d => (string?)d.Body["kind"] == CosmosKeys.Head).ToArray());
            await SweepIfDueAsync(ct);
        }
        catch (Exception e) when (!commitAttempted || e is WriteConflictException)
        {
            // Before the commit point nothing is visible: give the locks back (best effort; expiry covers a failure here).
            foreach (var lockDoc in held)
            {
                try { await Locks.ReleaseAsync(lockDoc.Doc, CancellationToken.None); }
                catch (CosmosStoreException) { /* the lock expires and is released by whoever meets it */ }
            }
            throw;
        }
    }

    /// <summary>Locks the resource's head with <paramref name="lockInfo"/> if it is at the version the writes expect.</summary>
    private async Task<Held> LockHeadAsync(List<ResourceWrite> group, string txn, JsonObject lockInfo, CancellationToken ct)
    {
        var key = group[0].Version.Key;
        var expected = group[0].Version.VersionId - 1;
        for (var i = 1; i < group.Count; i++)
            if (group[i].Version.VersionId != group[i - 1].Version.VersionId + 1)
                throw new WriteConflictException($"The writes of {key} in one batch must have consecutive versions.");
        if (expected == 0)
        {
            // A create: try it before paying for a read (a conflict means the id exists: checked below).
            var created = CosmosDocuments.NewHead(key);
            created["lock"] = lockInfo;
            if (await _db.CreateAsync(created, ct) is { } createdEtag) return new Held(new CosmosDoc(created, createdEtag));
        }
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var head = await _db.ReadAsync(CosmosKeys.HeadId(key), CosmosKeys.Own(key), ct);
            if (head is not null && CosmosLocks.Owner(head.Body) is not null)
            {
                if (await Locks.SettleAsync(head, ct) == CosmosLocks.Outcome.StillRunning)
                    throw new WriteConflictException($"{key} is being written by another transaction.");
                continue;
            }
            var current = head is null ? 0 : CosmosDocuments.VersionOf(head.Body);
            if (current != expected)
                throw new WriteConflictException($"{key} is at version {current}, the write expected {expected}.");
            var locked = head?.Body.DeepClone().AsObject() ?? CosmosDocuments.NewHead(key);
            locked["lock"] = lockInfo.DeepClone();
            var etag = head is null ? await _db.CreateAsync(locked, ct) : await _db.ReplaceAsync(locked, head.ETag, ct);
            if (etag is null) throw new WriteConflictException($"{key} was changed by a concurrent write.");
            return new Held(new CosmosDoc(locked, etag));
        }
        throw new WriteConflictException($"{key} kept changing while it was being locked.");
    }

    // Conditional creates lock their resource type: two transactions whose criteria could match each other's new
    // resources can then never both pass their checks.
    private static string CriteriaLockId(string type) => $"{CosmosKeys.CriteriaLock}:{type}";

    private async Task<Held> LockCriteriaAsync(string type, string txn, CancellationToken ct)
    {
        var id = CriteriaLockId(type);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var doc = new JsonObject { ["id"] = id, ["pk"] = id, ["kind"] = CosmosKeys.CriteriaLock, ["lock"] = CosmosLocks.NewLock(txn) };
            if (await _db.CreateAsync(doc, ct) is { } etag) return new Held(new CosmosDoc(doc, etag));
            var existing = await _db.ReadAsync(id, id, ct);
            if (existing is not null && await Locks.SettleAsync(existing, ct) == CosmosLocks.Outcome.StillRunning)
                throw new WriteConflictException($"A conditional create of {type} is running concurrently.");
        }
        throw new WriteConflictException($"Conditional creates of {type} kept colliding.");
    }

    /// <summary>The record whose creation is the commit point. Large transactions put their writes in part documents first (2 MB per document).</summary>
    private async Task<JsonObject> PrepareRecordAsync(string txn, List<JsonObject> entries, List<string> criteriaLocks, CancellationToken ct)
    {
        var id = CosmosKeys.TransactionId(txn);
        var record = new JsonObject
        {
            ["id"] = id, ["pk"] = id, ["kind"] = CosmosKeys.Transaction, ["state"] = "committed",
            ["at"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["crit"] = new JsonArray(criteriaLocks.Select(c => (JsonNode?)c).ToArray()),
        };
        var parts = Split(entries);
        if (parts.Count == 1) record["writes"] = parts[0];
        else
        {
            for (var i = 0; i < parts.Count; i++)
            {
                var part = new JsonObject
                {
                    ["id"] = CosmosKeys.TransactionPartId(txn, i), ["pk"] = id, ["kind"] = CosmosKeys.TransactionPart,
                    ["at"] = record["at"]!.DeepClone(), ["writes"] = parts[i],
                };
                if (await _db.CreateAsync(part, ct) is null) throw new CosmosStoreException($"Transaction part {i} of {txn} already exists.");
            }
            record["parts"] = parts.Count;
        }
        return record;
    }

    private static List<JsonArray> Split(List<JsonObject> entries)
    {
        var parts = new List<JsonArray> { new() };
        var size = 0;
        foreach (var entry in entries)
        {
            var length = entry.ToJsonString().Length;
            if (length > PartChars * 4)
                throw new StoreNotSupportedException($"{CosmosDocuments.Key(entry)} is too large for one Cosmos DB document.");
            if (size > 0 && size + length > PartChars)
            {
                parts.Add([]);
                size = 0;
            }
            parts[^1].Add(entry.DeepClone());
            size += length;
        }
        return parts;
    }

    /// <summary>Rolls a committed transaction forward from its record (by anyone: owner, reader, recovery).</summary>
    public async Task RollForwardAsync(JsonObject record, CancellationToken ct)
    {
        var id = (string)record["id"]!;
        var entries = new List<JsonObject>();
        if (record["writes"] is JsonArray inline) entries.AddRange(inline.Select(e => e!.AsObject()));
        for (var i = 0; i < ((int?)record["parts"] ?? 0); i++)
        {
            var part = await _db.ReadAsync(CosmosKeys.TransactionPartId(id[(CosmosKeys.Transaction.Length + 1)..], i), id, ct)
                ?? throw new CosmosStoreException($"Part {i} of committed transaction {id} is missing.");
            entries.AddRange(part.Body["writes"]!.AsArray().Select(e => e!.DeepClone().AsObject()));
        }
        await ApplyAsync(record, entries, ct);
    }

    /// <summary>Applies a committed transaction; <paramref name="heads"/> are heads as this owner locked them (saves reading them again).</summary>
    private async Task ApplyAsync(JsonObject record, List<JsonObject> entries, CancellationToken ct, params CosmosDoc[] heads)
    {
        var id = (string)record["id"]!;
        var txn = id[(CosmosKeys.Transaction.Length + 1)..];
        foreach (var group in entries.GroupBy(e => CosmosDocuments.Key(e)))
        {
            var known = heads.FirstOrDefault(h => CosmosDocuments.Key(h.Body) == group.Key);
            await ApplyResourceAsync(txn, group.Key, group.OrderBy(CosmosDocuments.VersionOf).ToList(), known, ct);
        }
        if (record["inline"] is not null) return; // the head's lock was the record: unlocking it finished the transaction
        foreach (var lockId in record["crit"]!.AsArray().Select(c => (string)c!))
        {
            var doc = await _db.ReadAsync(lockId, lockId, ct);
            if (doc is not null && CosmosLocks.Owner(doc.Body) == txn) await _db.DeleteAsync(lockId, lockId, doc.ETag, ct);
        }
        for (var i = 0; i < ((int?)record["parts"] ?? 0); i++)
            await _db.DeleteAsync(CosmosKeys.TransactionPartId(txn, i), id, null, ct);
        await _db.DeleteAsync(id, id, null, ct);
    }

    private async Task ApplyResourceAsync(string txn, ResourceKey key, List<JsonObject> versions, CosmosDoc? known, CancellationToken ct)
    {
        var head = known ?? await _db.ReadAsync(CosmosKeys.HeadId(key), CosmosKeys.Own(key), ct);
        if (head is null || CosmosLocks.Owner(head.Body) != txn) return; // already applied
        foreach (var entry in versions) await _db.CreateAsync(CosmosDocuments.Version(entry), ct); // exists: applied before
        var last = versions[^1];
        var vid = CosmosDocuments.VersionOf(last);
        var oldHome = (string)head.Body["home"]!;
        var newHome = CosmosDocuments.IsDelete(last) ? oldHome : (string)last["home"]!;
        if (oldHome != newHome || CosmosDocuments.IsDelete(last)) await CosmosCurrent.DeleteIfOlderAsync(_db, key, oldHome, vid, ct);
        if (!CosmosDocuments.IsDelete(last)) await CosmosCurrent.WriteIfOlderAsync(_db, CosmosDocuments.Current(last), vid, ct);
        var unlocked = head.Body.DeepClone().AsObject();
        unlocked["vid"] = vid;
        unlocked["home"] = newHome;
        unlocked["lock"] = null;
        await _db.ReplaceAsync(unlocked, head.ETag, ct); // fails only if another roll-forward got there first
    }
}
