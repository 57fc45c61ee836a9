using System.Text.Json.Nodes;
using FhirPortal.Search;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Commits a batch atomically across partitions with single-document conditional writes (README, "Cosmos DB store").
/// A batch that writes one version of one resource (no conditional create, no change of home) commits with one
/// conditional write of its current document (<see cref="CommitSingleAsync"/>). Any other batch:
/// 1. lock each resource: its current document gets a lock (If-Match, after checking its version), a resource it
///    creates gets a pointer naming the transaction; conditional creates lock their resource type;
/// 2. check the conditional creates' criteria;
/// 3. create the transaction record holding every write: the commit point (it exists as "committed" or not at all);
/// 4. apply (<see cref="ApplyAsync"/>): superseded versions, current documents, pointers; then the record is deleted.
/// A crash before 3 leaves locks that expire and are released; after 3, anyone who meets a lock rolls it forward.
/// Records of aborted transactions stay for <see cref="Retention"/> (they stop a stalled owner from committing
/// late), then a sweep deletes them; the sweep also finishes anything left behind, at start and once per lease.
/// </summary>
internal sealed partial class CosmosTransactions
{
    private const int PartChars = 400_000;

    private readonly CosmosGateway _db;
    private readonly TimeSpan _lease;
    private readonly Func<SearchQuery, CancellationToken, Task<bool>> _anyMatch;
    private readonly CosmosFaultPoint _faults;
    private long _nextSweepMs;

    public CosmosTransactions(
        CosmosGateway db, CosmosLocator locator, CosmosWideTypes wideTypes, CosmosStoreOptions options,
        Func<SearchQuery, CancellationToken, Task<bool>> anyMatch, TimeProvider clock, CosmosFaultPoint faults)
    {
        _db = db;
        Locator = locator;
        WideTypes = wideTypes;
        _lease = options.TransactionLease;
        _anyMatch = anyMatch;
        Clock = clock;
        _faults = faults;
        Locks = new CosmosLocks(db, _lease, clock, RollForwardAsync);
        Retention = options.TransactionRetention;
    }

    /// <summary>How long an aborted transaction's record is kept (<see cref="CosmosStoreOptions.TransactionRetention"/>).</summary>
    public TimeSpan Retention { get; }

    public CosmosLocks Locks { get; }

    public CosmosLocator Locator { get; }

    public CosmosWideTypes WideTypes { get; }

    /// <summary>The store's clock: lock and record times, lease and retention checks.</summary>
    private TimeProvider Clock { get; }

    /// <summary>What the owner holds of one resource: its locked current document (with its home) or the pointer it created.</summary>
    private sealed record Held(ResourceKey Key, CosmosDoc? Locked, CosmosDoc? Created);

    public async Task CommitAsync(WriteBatch batch, CancellationToken ct)
    {
        var groups = batch.Writes.GroupBy(w => w.Version.Key).Select(g => g.OrderBy(w => w.Version.VersionId).ToList())
            .OrderBy(g => CosmosKeys.Own(g[0].Version.Key), StringComparer.Ordinal).ToList();
        // Each write's entry once: the one-write paths hand a batch they cannot commit on to the record protocol.
        var entries = groups.Select(g => g.Select(CosmosDocuments.Entry).ToList()).ToList();
        if (groups is [[var only]] && (batch.MustNotMatch.Count == 0
                ? await CommitSingleAsync(only, entries[0][0], ct)
                : await CommitConditionalAsync(only, entries[0][0], batch.MustNotMatch, ct)))
        {
            await SweepIfDueAsync(ct);
            return;
        }
        var txn = Guid.NewGuid().ToString("N");
        var started = Clock.GetUtcNow();
        var held = new List<Held>();
        var criteriaHeld = new List<CosmosDoc>();
        var commitAttempted = false;
        try
        {
            for (var i = 0; i < groups.Count; i++) held.Add(await LockAsync(groups[i], entries[i], txn, ct));
            var writes = entries.SelectMany(e => e).ToList();
            var criteriaLocks = new List<string>();
            foreach (var type in batch.MustNotMatch.Select(c => c.ResourceType ?? "*").Distinct())
            {
                criteriaHeld.Add(await LockCriteriaAsync(type, txn, ct));
                criteriaLocks.Add(CriteriaLockId(type));
            }
            foreach (var criteria in batch.MustNotMatch)
            {
                if (await _anyMatch(criteria, ct))
                    throw new WriteConflictException($"A {criteria.ResourceType} matching the conditional create's criteria was stored concurrently.");
            }
            // Compartment searches must know a type has wide resources before one of them commits.
            foreach (var type in writes.Where(e => e["wide"] is not null).Select(e => (string)e["type"]!).Distinct())
                await WideTypes.AddAsync(type, ct);
            var record = await PrepareRecordAsync(txn, writes, criteriaLocks, ct);
            if (Clock.GetUtcNow() - started > Retention / 2)
                throw new WriteConflictException("The transaction took too long to take its locks; it was abandoned.");
            commitAttempted = true;
            if (await _db.CreateAsync(record, ct) is null)
                throw new WriteConflictException("The transaction was aborted by another writer after its lease ran out.");
            await _faults.AfterCommitPointAsync();
            await ApplyAsync(record, writes, held.ToDictionary(h => h.Key), ct);
            await SweepIfDueAsync(ct);
        }
        catch (Exception e) when (!commitAttempted || e is WriteConflictException)
        {
            // Before the commit point nothing is visible: give the locks back (best effort; expiry covers a failure here).
            foreach (var doc in held.SelectMany(h => new[] { h.Locked, h.Created }).Concat(criteriaHeld).OfType<CosmosDoc>())
            {
                try { await Locks.ReleaseAsync(doc, CancellationToken.None); }
                catch (CosmosStoreException) { /* the lock expires and is released by whoever meets it */ }
            }
            throw;
        }
    }

    /// <summary>
    /// The resource's documents once any transaction holding it is settled. A writer gets a conflict while a live
    /// transaction holds it; a reader gets its last committed state.
    /// </summary>
    public async Task<CosmosLocator.Found> SettledAsync(ResourceKey key, bool forWrite, CancellationToken ct)
    {
        CosmosLocator.Found found = new(null, null);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            found = await Locator.FindAsync(key, remembered: attempt == 0, ct);
            CosmosLocks.Outcome outcome;
            if (found.Resource is { } resource && CosmosLocks.Owner(resource.Body) is not null)
                outcome = await Locks.SettleAsync(resource, ct);
            else if (found.Resource is null && found.Own is { } pointer && CosmosLocks.Creator(pointer.Body) is not null)
                outcome = await Locks.SettleCreateAsync(pointer, ct);
            else
                return found;
            if (outcome == CosmosLocks.Outcome.StillRunning)
                return forWrite ? throw new WriteConflictException($"{key} is being written by another transaction.") : found;
        }
        return forWrite ? throw new WriteConflictException($"{key} kept changing while it was being written.") : found;
    }

    /// <summary>Checks the group's versions follow the resource's current one, locks it, and settles each entry's old and new home.</summary>
    private async Task<Held> LockAsync(List<ResourceWrite> group, List<JsonObject> entries, string txn, CancellationToken ct)
    {
        var key = group[0].Version.Key;
        for (var i = 1; i < group.Count; i++)
            if (group[i].Version.VersionId != group[i - 1].Version.VersionId + 1)
                throw new WriteConflictException($"The writes of {key} in one batch must have consecutive versions.");
        var expected = group[0].Version.VersionId - 1;
        if (expected == 0)
        {
            foreach (var entry in entries) entry["home"] ??= CosmosKeys.Own(key);
            var pointer = CosmosDocuments.Pointer(key, (string)entries[^1]["home"]!, group[^1].Version.VersionId, txn, Clock.GetUtcNow());
            return new Held(key, null, new CosmosDoc(pointer, await ClaimAsync(key, pointer, ct)));
        }
        var found = await SettledAsync(key, forWrite: true, ct);
        var current = found.Resource;
        var at = current is null ? 0 : CosmosDocuments.VersionOf(current.Body);
        if (at != expected) throw VersionConflict(key, at, expected);
        var from = (string)current!.Body["pk"]!;
        foreach (var entry in entries)
        {
            entry["from"] = from;
            entry["home"] ??= from;
            if (current.Body["reps"] is JsonArray reps) entry["fromReps"] = reps.DeepClone();
        }
        var locked = CosmosDocuments.Writable(current.Body);
        locked["lock"] = Locks.NewLock(txn);
        var etag = await _db.ReplaceAsync(locked, current.ETag, ct)
            ?? throw new WriteConflictException($"{key} was changed by a concurrent write.");
        return new Held(key, new CosmosDoc(locked, etag), null);
    }

    private static WriteConflictException VersionConflict(ResourceKey key, int at, int expected) =>
        new($"{key} is at version {at}, the write expected {expected}.");

    // Conditional creates lock their resource type: two transactions whose criteria could match each other's new
    // resources can then never both pass their checks.
    private static string CriteriaLockId(string type) => $"{CosmosKeys.CriteriaLock}:{type}";

    private async Task<CosmosDoc> LockCriteriaAsync(string type, string txn, CancellationToken ct)
    {
        // Moving the document on (a new ETag) also makes any one-resource conditional create that read it before lose.
        var unlocked = await CriteriaDocumentAsync(type, ct);
        var locked = CosmosDocuments.Writable(unlocked.Body);
        locked["n"] = ((long?)locked["n"] ?? 0) + 1;
        locked["lock"] = Locks.NewLock(txn);
        var etag = await _db.ReplaceAsync(locked, unlocked.ETag, ct)
            ?? throw new WriteConflictException($"A conditional create of {type} is running concurrently.");
        return new CosmosDoc(locked, etag);
    }

    /// <summary>The record whose creation is the commit point. Large transactions put their writes in part documents first (2 MB per document).</summary>
    private async Task<JsonObject> PrepareRecordAsync(string txn, List<JsonObject> entries, List<string> criteriaLocks, CancellationToken ct)
    {
        var id = CosmosKeys.TransactionId(txn);
        var record = new JsonObject
        {
            ["id"] = id, ["pk"] = id, ["kind"] = CosmosKeys.Transaction, ["state"] = "committed",
            ["at"] = Clock.GetUtcNow().ToUnixTimeMilliseconds(),
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
}
