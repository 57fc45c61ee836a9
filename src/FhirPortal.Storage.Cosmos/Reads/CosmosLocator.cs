using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Finds a resource's documents from its key alone: the document in its own partition (the resource itself when
/// that is its home, otherwise a pointer to the home) and the current or deleted document in its home. Homes seen
/// are remembered, so a resource in a patient's partition usually costs one point read instead of two; a stale
/// home only costs a miss (a moved resource's old document is deleted once the move is applied, and is locked
/// until then, which sends the reader to settle the move first). The last state of recently read or written
/// resources is remembered too, as the If-Match base of the next update (<see cref="Recent"/>).
/// </summary>
internal sealed class CosmosLocator(CosmosGateway db)
{
    // Bounded memory: forgetting every home only costs the pointer reads again.
    private const int MaxHomes = 200_000;
    // Each holds one version's JSON: a few megabytes at most.
    private const int MaxRecent = 2_000;
    private readonly ConcurrentDictionary<string, string> _homes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RecentState> _recent = new(StringComparer.Ordinal);

    /// <summary>
    /// A resource's current document as this store last saw it: its home, ETag and version, and that version as a
    /// version document. Another instance may have written since, so it is only ever the base of a conditional
    /// write (a stale one costs a retry); a version's content never changes, so <c>Superseded</c> is always right.
    /// </summary>
    public sealed record RecentState(string Home, string ETag, int VersionId, bool Spreads, JsonObject Superseded);

    /// <param name="Own">The document in the resource's own partition, when it was read (not when a remembered home was used).</param>
    /// <param name="Resource">The current or deleted document, if the resource exists.</param>
    public sealed record Found(CosmosDoc? Own, CosmosDoc? Resource);

    public async Task<Found> FindAsync(ResourceKey key, bool remembered, CancellationToken ct)
    {
        var own = CosmosKeys.Own(key);
        var id = CosmosKeys.ResourceId(key);
        if (remembered && _homes.TryGetValue(own, out var home) && home != own)
        {
            var atHome = await db.ReadAsync(id, home, ct);
            if (atHome is not null && CosmosDocuments.IsResource(atHome.Body)) return Seen(key, new Found(null, atHome));
            _homes.TryRemove(own, out _);
        }
        var ownDoc = await db.ReadAsync(id, own, ct);
        if (ownDoc is null) return new Found(null, null);
        if (CosmosDocuments.IsResource(ownDoc.Body)) return Seen(key, new Found(ownDoc, ownDoc));
        var target = (string)ownDoc.Body["home"]!;
        // A pointer to its own partition stands for a resource being created there by a transaction.
        if (target == own) return new Found(ownDoc, null);
        var resource = await db.ReadAsync(id, target, ct);
        if (resource is null || !CosmosDocuments.IsResource(resource.Body)) return new Found(ownDoc, null);
        Remember(key, target);
        return Seen(key, new Found(ownDoc, resource));
    }

    public RecentState? Recent(ResourceKey key) => _recent.GetValueOrDefault(CosmosKeys.Own(key));

    /// <summary>Forgets what was seen of a resource (a create that was taken back).</summary>
    public void Forget(ResourceKey key)
    {
        _recent.TryRemove(CosmosKeys.Own(key), out _);
        _homes.TryRemove(CosmosKeys.Own(key), out _);
    }

    /// <summary>Remembers a resource document this store has just written (or read unlocked), and its home.</summary>
    public void Wrote(ResourceKey key, JsonObject doc, string etag)
    {
        Remember(key, (string)doc["pk"]!);
        if (_recent.Count >= MaxRecent) _recent.Clear();
        _recent[CosmosKeys.Own(key)] = new RecentState((string)doc["pk"]!, etag, CosmosDocuments.VersionOf(doc), CosmosDocuments.Spreads(doc), CosmosDocuments.Version(doc));
    }

    private Found Seen(ResourceKey key, Found found)
    {
        if (found.Resource is { } r && CosmosLocks.Owner(r.Body) is null) Wrote(key, r.Body, r.ETag);
        else _recent.TryRemove(CosmosKeys.Own(key), out _);
        return found;
    }

    private void Remember(ResourceKey key, string home)
    {
        if (_homes.Count >= MaxHomes) _homes.Clear();
        _homes[CosmosKeys.Own(key)] = home;
    }
}
