using System.Text.Json.Nodes;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Applying a committed transaction: by its owner right after the commit point, or by anyone who meets one of its
/// locks (and by recovery). Every step is a conditional write that leaves newer data alone, so appliers may run
/// at the same time, stop anywhere and start again.
/// </summary>
internal sealed partial class CosmosTransactions
{
    /// <summary>Rolls a committed transaction forward from its record.</summary>
    public async Task RollForwardAsync(JsonObject record, CancellationToken ct)
    {
        var id = (string)record["id"]!;
        var entries = new List<JsonObject>();
        if (record["writes"] is JsonArray inline) entries.AddRange(inline.Select(e => e!.AsObject()));
        for (var i = 0; i < ((int?)record["parts"] ?? 0); i++)
        {
            var part = await _db.ReadAsync(CosmosKeys.TransactionPartId(id[(CosmosKeys.Transaction.Length + 1)..], i), id, ct);
            if (part is null)
            {
                // Parts are deleted only after their record: a part gone with its record means it was all applied.
                if (await _db.ReadAsync(id, id, ct) is null) return;
                throw new CosmosStoreException($"Part {i} of committed transaction {id} is missing.");
            }
            entries.AddRange(part.Body["writes"]!.AsArray().Select(e => e!.DeepClone().AsObject()));
        }
        // Said before applying anything, so the owner can tell its creates may have come second (ApplyAsync).
        await _db.UpsertAsync(new JsonObject
        {
            ["id"] = CosmosKeys.RolledForwardId(id[(CosmosKeys.Transaction.Length + 1)..]), ["pk"] = id,
            ["kind"] = CosmosKeys.TransactionPart, ["at"] = record["at"]!.DeepClone(),
        }, ct);
        await ApplyAsync(record, entries, null, ct);
    }

    /// <param name="held">What the owner locked (null for anyone else): lets the owner apply without reading.</param>
    private async Task ApplyAsync(JsonObject record, List<JsonObject> entries, IReadOnlyDictionary<ResourceKey, Held>? held, CancellationToken ct)
    {
        var id = (string)record["id"]!;
        var txn = id[(CosmosKeys.Transaction.Length + 1)..];
        var creates = new List<(ResourceKey Key, JsonObject Last, string ETag)>();
        foreach (var group in entries.GroupBy(e => CosmosDocuments.Key(e)))
        {
            var versions = group.OrderBy(CosmosDocuments.VersionOf).ToList();
            var mine = held?.GetValueOrDefault(group.Key);
            var applied = mine is null ? null : await ApplyAsOwnerAsync(versions, mine, ct);
            if (applied is null) await ApplyResourceAsync(txn, group.Key, versions, ct);
            else if (applied is { Length: > 0 } etag) creates.Add((group.Key, versions[^1], etag));
        }
        // The owner's creates-if-absent in a patient's partition came second only if someone else rolled this forward
        // first, and a later write may then have moved the resource on: take back what landed in the old home.
        if (creates.Count > 0 && await _db.ReadAsync(CosmosKeys.RolledForwardId(txn), id, ct) is not null)
        {
            foreach (var (key, last, etag) in creates)
            {
                var home = (string)last["home"]!;
                if (await _db.ReadAsync(CosmosKeys.ResourceId(key), CosmosKeys.Own(key), ct) is { } pointer
                    && !PointsAt(pointer.Body, home, CosmosDocuments.VersionOf(last)))
                {
                    await _db.DeleteAsync(CosmosKeys.ResourceId(key), home, etag, ct);
                    Locator.Forget(key);
                }
            }
        }
        foreach (var lockId in record["crit"]!.AsArray().Select(c => (string)c!))
        {
            var doc = await _db.ReadAsync(lockId, lockId, ct);
            if (doc is not null && CosmosLocks.Owner(doc.Body) == txn) await Locks.ReleaseAsync(doc, ct);
        }
        // The record first: a record never outlives its parts (a crash in between leaves stray parts, swept later).
        await _db.DeleteAsync(id, id, null, ct);
        for (var i = 0; i < ((int?)record["parts"] ?? 0); i++)
            await _db.DeleteAsync(CosmosKeys.TransactionPartId(txn, i), id, null, ct);
    }

    /// <summary>
    /// The owner's apply of a create or an update in place, from the documents it locked: no reads. Null when a
    /// conditional write finds them changed (someone rolled the transaction forward meanwhile) or the resource
    /// moves home: <see cref="ApplyResourceAsync"/> then does it. Otherwise the ETag of a document it created in a
    /// patient's partition with create-if-absent (checked by <see cref="ApplyAsync"/>), else "".
    /// </summary>
    private async Task<string?> ApplyAsOwnerAsync(List<JsonObject> versions, Held held, CancellationToken ct)
    {
        var last = versions[^1];
        var home = (string)last["home"]!;
        var own = CosmosKeys.Own(held.Key);
        if (CosmosDocuments.Spreads(last)) return null;
        if (held.Locked is { } locked)
        {
            if ((string)locked.Body["pk"]! != home || CosmosDocuments.Spreads(locked.Body)) return null;
            await _db.CreateAsync(CosmosDocuments.Version(locked.Body), ct);
        }
        foreach (var entry in versions.SkipLast(1)) await _db.CreateAsync(CosmosDocuments.Version(entry), ct);
        var resource = CosmosDocuments.Resource(last, home);
        var written = held.Locked is { } old ? await _db.ReplaceAsync(resource, old.ETag, ct)
            : home == own ? await _db.ReplaceAsync(resource, held.Created!.ETag, ct) // the resource takes its pointer's place
            : await _db.CreateAsync(resource, ct);
        if (written is null) return null;
        Locator.Wrote(held.Key, resource, written);
        return held.Locked is null && home != own ? written : "";
    }

    /// <summary>
    /// Applies one resource's versions from the record alone, in an order that keeps it readable throughout:
    /// 1. the superseded versions (the locked current document's, then all but the last of the batch);
    /// 2. replicas in other patients' partitions, written and removed while the lock still holds off later writes;
    /// 3. the last version in its home, unless it or a later one is in place;
    /// 4. the pointer to that home (never moved back by a late applier);
    /// 5. when the resource moved, its old home's document (still locked by this transaction): replaced by a
    ///    replica when that patient is still in its compartment, deleted otherwise.
    /// </summary>
    private async Task ApplyResourceAsync(string txn, ResourceKey key, List<JsonObject> versions, CancellationToken ct)
    {
        var last = versions[^1];
        var vid = CosmosDocuments.VersionOf(last);
        var from = (string?)last["from"];
        var home = (string)last["home"]!;
        var own = CosmosKeys.Own(key);
        var id = CosmosKeys.ResourceId(key);
        if (from is not null && await _db.ReadAsync(id, from, ct) is { } old && LockedBy(old, txn))
            await _db.CreateAsync(CosmosDocuments.Version(old.Body), ct);
        foreach (var entry in versions.SkipLast(1)) await _db.CreateAsync(CosmosDocuments.Version(entry), ct);

        var found = await Locator.FindAsync(key, remembered: false, ct);
        var superseded = found.Resource is not null && CosmosDocuments.VersionOf(found.Resource.Body) > vid; // a later write is in place
        var replicas = superseded ? [] : CosmosDocuments.ReplicasOf(last);
        foreach (var partition in replicas.Where(r => r != from))
            await WriteIfOlderAsync(CosmosDocuments.Replica(last, home, partition), vid, ct);
        var previous = last["fromReps"] is JsonArray fromReps && !superseded ? fromReps.Select(r => (string)r!) : [];
        foreach (var partition in previous.Except(replicas).Where(r => r != home))
            await DeleteReplicaIfOlderAsync(id, partition, vid, ct);

        if (found.Resource is null || CosmosDocuments.VersionOf(found.Resource.Body) < vid)
        {
            var created = await WriteIfOlderAsync(CosmosDocuments.Resource(last, home), vid, ct);
            if (home != own)
            {
                await PointIfOlderAsync(key, home, vid, ct);
                // A late applier may create the document after a later write moved the resource on: take it back
                // (only the document it created: a later write may have replaced it since).
                if (created is { } etag && await _db.ReadAsync(id, own, ct) is { } pointer && !PointsAt(pointer.Body, home, vid))
                    await _db.DeleteAsync(id, home, etag, ct);
            }
        }
        if (from is not null && from != home && from != own && await _db.ReadAsync(id, from, ct) is { } moved && LockedBy(moved, txn))
        {
            if (replicas.Contains(from)) await _db.ReplaceAsync(CosmosDocuments.Replica(last, home, from), moved.ETag, ct);
            else await _db.DeleteAsync(id, from, moved.ETag, ct);
        }
    }

    /// <summary>Removes a replica of an older version (never the current document a move has put in its place).</summary>
    private async Task DeleteReplicaIfOlderAsync(string id, string partition, int vid, CancellationToken ct)
    {
        var replica = await _db.ReadAsync(id, partition, ct);
        if (replica is not null && CosmosDocuments.Kind(replica.Body) == CosmosKeys.Replica && CosmosDocuments.VersionOf(replica.Body) < vid)
            await _db.DeleteAsync(id, partition, replica.ETag, ct);
    }

    private static bool LockedBy(CosmosDoc doc, string txn) => CosmosDocuments.IsResource(doc.Body) && CosmosLocks.Owner(doc.Body) == txn;

    private static bool PointsAt(JsonObject own, string home, int vid) =>
        CosmosDocuments.Kind(own) == CosmosKeys.Pointer && (string)own["home"]! == home && (int)own["hv"]! <= vid;

    /// <summary>Writes a current document or replica over anything older in its place (an older version, a replica, a pointer); its ETag when it created it.</summary>
    private Task<string?> WriteIfOlderAsync(JsonObject doc, int vid, CancellationToken ct) =>
        // A pointer in its place is a create's own (replaced) unless a later version moved the resource away.
        PlaceAsync(doc, existing => CosmosDocuments.Kind(existing) == CosmosKeys.Pointer
            ? (int)existing["hv"]! > vid
            : CosmosDocuments.VersionOf(existing) >= vid, ct);

    /// <summary>Points the resource's own partition at <paramref name="home"/>, unless it does already or a version from <paramref name="vid"/> on placed it.</summary>
    private Task PointIfOlderAsync(ResourceKey key, string home, int vid, CancellationToken ct) =>
        PlaceAsync(CosmosDocuments.Pointer(key, home, vid, null, Clock.GetUtcNow()), existing => CosmosDocuments.IsResource(existing)
            ? CosmosDocuments.VersionOf(existing) >= vid
            : (int)existing["hv"]! >= vid || (string)existing["home"]! == home, ct);

    /// <summary>
    /// Writes <paramref name="doc"/> in its place unless what is there should stay (<paramref name="keep"/>), with
    /// create-if-absent or If-Match so a concurrent applier is never overwritten; its ETag when it created it.
    /// </summary>
    private async Task<string?> PlaceAsync(JsonObject doc, Func<JsonObject, bool> keep, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var existing = await _db.ReadAsync((string)doc["id"]!, (string)doc["pk"]!, ct);
            if (existing is null)
            {
                if (await _db.CreateAsync(doc, ct) is { } etag) return etag;
                continue;
            }
            if (keep(existing.Body) || await _db.ReplaceAsync(doc, existing.ETag, ct) is not null) return null;
        }
        throw new CosmosStoreException($"{doc["id"]} in {doc["pk"]} kept changing while a transaction was applied.");
    }
}
