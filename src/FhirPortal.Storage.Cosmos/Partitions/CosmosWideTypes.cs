using System.Diagnostics;
using System.Text.Json.Nodes;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// The resource types that have wide resources (in too many patients' compartments for replicas, see
/// <see cref="CosmosPartitioning"/>): one small document, extended before a wide resource commits and read by
/// compartment searches, which then also ask for wide resources of those types across partitions. Types are only
/// ever added. Searches use what was read in the last few seconds, so another instance's first wide resource of a
/// type can be missed by a compartment search for that long.
/// </summary>
internal sealed class CosmosWideTypes(CosmosGateway db)
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(5);
    private volatile Snapshot? _snapshot;
    private readonly Lock _gate = new();

    private sealed record Snapshot(IReadOnlySet<string> Types, long ReadAt);

    public async Task<IReadOnlySet<string>> TypesAsync(CancellationToken ct)
    {
        if (_snapshot is { } known && Stopwatch.GetElapsedTime(known.ReadAt) < Fresh) return known.Types;
        return Remember(await db.ReadAsync(CosmosKeys.WideTypes, CosmosKeys.WideTypes, ct));
    }

    public async Task AddAsync(string type, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var doc = await db.ReadAsync(CosmosKeys.WideTypes, CosmosKeys.WideTypes, ct);
            if (Remember(doc).Contains(type)) return;
            var types = new JsonArray(Remember(doc).Append(type).Order(StringComparer.Ordinal).Select(t => (JsonNode?)t).ToArray());
            var next = new JsonObject { ["id"] = CosmosKeys.WideTypes, ["pk"] = CosmosKeys.WideTypes, ["kind"] = CosmosKeys.WideTypes, ["types"] = types };
            var written = doc is null ? await db.CreateAsync(next, ct) : await db.ReplaceAsync(next, doc.ETag, ct);
            if (written is not null)
            {
                Remember(new CosmosDoc(next, written));
                return;
            }
        }
        throw new CosmosStoreException($"The list of types with wide resources kept changing while {type} was added.");
    }

    /// <summary>
    /// Merges what was read into the snapshot. Types are only ever added, so the union is never wrong, and a read that
    /// started before this instance added a type but returned after must not drop that type from the snapshot.
    /// </summary>
    private IReadOnlySet<string> Remember(CosmosDoc? doc)
    {
        lock (_gate)
        {
            var types = doc?.Body["types"] is JsonArray list ? list.Select(t => (string)t!).ToHashSet(StringComparer.Ordinal) : [];
            if (_snapshot is { } known) types.UnionWith(known.Types);
            _snapshot = new Snapshot(types, Stopwatch.GetTimestamp());
            return types;
        }
    }
}
