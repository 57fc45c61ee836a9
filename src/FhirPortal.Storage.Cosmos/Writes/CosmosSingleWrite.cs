using System.Text.Json.Nodes;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// The common case, one version of one resource, without a transaction record: an update or delete supersedes the
/// current document with one conditional replace (If-Match) after copying the old version to its version document;
/// a create writes the resource (or, when its home is a patient's partition, a pointer and then the resource) with
/// create-if-absent. Every step leaves a consistent store, so there is nothing to recover after a crash.
/// </summary>
internal sealed partial class CosmosTransactions
{
    /// <summary>
    /// Commits the write; false when it changes more than the current document (a move to another home, replicas
    /// in other patients' partitions, a wide resource): the record protocol does those.
    /// </summary>
    private async Task<bool> CommitSingleAsync(ResourceWrite write, JsonObject entry, CancellationToken ct)
    {
        var key = write.Version.Key;
        if (CosmosDocuments.Spreads(entry)) return false;
        var expected = write.Version.VersionId - 1;
        if (expected == 0)
        {
            await CreateSingleAsync(key, entry, ct);
            return true;
        }
        var newHome = (string?)entry["home"];
        // An update of what this store last saw skips reading it again: the If-Match of the replace checks it is still so.
        if (Locator.Recent(key) is { } recent && recent.VersionId == expected && !recent.Spreads && (newHome is null || newHome == recent.Home)
            && await SupersedeAsync(key, entry, recent.Home, recent.Superseded, recent.ETag, ct))
            return true;
        var current = (await SettledAsync(key, forWrite: true, ct)).Resource;
        var at = current is null ? 0 : CosmosDocuments.VersionOf(current.Body);
        if (at != expected) throw VersionConflict(key, at, expected);
        var home = (string)current!.Body["pk"]!;
        if ((newHome is not null && newHome != home) || CosmosDocuments.Spreads(current.Body)) return false;
        return await SupersedeAsync(key, entry, home, CosmosDocuments.Version(current.Body), current.ETag, ct)
            ? true : throw new WriteConflictException($"{key} was changed by a concurrent write.");
    }

    /// <summary>
    /// The superseded version first: a crash right after leaves a copy of a committed version (history shows it
    /// once), never a gap; its id is fixed, so a second copy of it is refused. Then the current document is replaced
    /// if it still has <paramref name="etag"/> (the commit); false when it changed.
    /// </summary>
    private async Task<bool> SupersedeAsync(ResourceKey key, JsonObject entry, string home, JsonObject superseded, string etag, CancellationToken ct)
    {
        await _db.CreateAsync(superseded, ct);
        var doc = CosmosDocuments.Resource(entry, home);
        if (await _db.ReplaceAsync(doc, etag, ct) is not { } written) return false;
        Locator.Wrote(key, doc, written);
        return true;
    }

    /// <summary>What a one-resource create wrote: the resource in its home, and the pointer to it when that is not its own partition.</summary>
    private sealed record Created(ResourceKey Key, string Home, string ResourceETag, string? PointerETag);

    private async Task<Created> CreateSingleAsync(ResourceKey key, JsonObject entry, CancellationToken ct)
    {
        var own = CosmosKeys.Own(key);
        var home = (string?)entry["home"] ?? own;
        var resource = CosmosDocuments.Resource(entry, home);
        if (home == own)
        {
            var etag = await ClaimAsync(key, resource, ct);
            Locator.Wrote(key, resource, etag);
            return new Created(key, home, etag, null);
        }
        var started = Clock.GetTimestamp();
        var pointer = CosmosDocuments.Pointer(key, home, 1, null, Clock.GetUtcNow());
        var pointerEtag = await ClaimAsync(key, pointer, ct);
        if (Clock.GetElapsedTime(started) > Retention / 2)
        {
            // Another writer may take a pointer this old over at any moment: give up rather than race it.
            await Locks.ReleaseAsync(new CosmosDoc(pointer, pointerEtag), ct);
            throw new WriteConflictException($"Creating {key} took too long; it was abandoned.");
        }
        if (await _db.CreateAsync(resource, ct) is not { } resourceEtag)
        {
            // Not this create's pointer to keep: it would block the id for the whole retention.
            await Locks.ReleaseAsync(new CosmosDoc(pointer, pointerEtag), ct);
            throw new WriteConflictException($"{key} already has a document in {home}.");
        }
        if (Clock.GetElapsedTime(started) > Retention / 4)
        {
            // Slow enough that the pointer might have been taken over meanwhile: keep the resource only if it is still this one's.
            var now = await _db.ReadAsync(CosmosKeys.ResourceId(key), own, ct);
            if (now?.ETag != pointerEtag)
            {
                await _db.DeleteAsync(CosmosKeys.ResourceId(key), home, resourceEtag, ct);
                throw new WriteConflictException($"{key} was taken over by another writer while it was being created.");
            }
        }
        Locator.Wrote(key, resource, resourceEtag);
        return new Created(key, home, resourceEtag, pointerEtag);
    }

    /// <summary>
    /// Writes <paramref name="doc"/> (the resource, or its pointer) into the resource's own partition, where nothing
    /// of it may exist yet. A pointer whose resource was never written is taken over: a transaction's once that
    /// transaction is settled as aborted, a one-resource create's once <see cref="Retention"/> has passed.
    /// </summary>
    private async Task<string> ClaimAsync(ResourceKey key, JsonObject doc, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (await _db.CreateAsync(doc, ct) is { } etag) return etag;
            var found = await SettledAsync(key, forWrite: true, ct);
            if (found.Resource is { } existing) throw VersionConflict(key, CosmosDocuments.VersionOf(existing.Body), 0);
            if (found.Own is not { } pointer) continue; // an aborted transaction's pointer, released meanwhile
            var age = Clock.GetUtcNow().ToUnixTimeMilliseconds() - (long)pointer.Body["at"]!;
            if (age < Retention.TotalMilliseconds) throw new WriteConflictException($"{key} is being created by another writer.");
            if (await _db.ReplaceAsync(doc, pointer.ETag, ct) is { } taken) return taken;
        }
        throw new WriteConflictException($"{key} kept changing while it was being created.");
    }
}
