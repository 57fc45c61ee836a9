using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// The shapes of the resource documents (README, "Cosmos DB store"). A write is first an "entry" (the version plus
/// its home partition and index), which a transaction record carries and from which the documents are built.
/// Every document that holds a version (current, deleted, superseded) has the same version fields.
/// </summary>
internal static class CosmosDocuments
{
    public static JsonObject Entry(ResourceWrite write)
    {
        var v = write.Version;
        var entry = new JsonObject
        {
            ["type"] = v.Key.Type,
            ["rid"] = v.Key.Id,
            ["vid"] = v.VersionId,
            ["m"] = (int)v.Method,
            ["lu"] = v.LastUpdated.ToString("O", CultureInfo.InvariantCulture),
            ["lum"] = CosmosIndexJson.Ms(v.LastUpdated),
            ["raw"] = Encoding.UTF8.GetString(v.Json.Span),
            // A deletion stays where the resource was: its home is settled when the old document is known.
            ["home"] = v.IsDeleted ? null : CosmosPartitioning.Home(v.Key, write.Index),
        };
        if (v.IsDeleted || write.Index is null) return entry;
        entry["pat"] = write.Patients;
        entry["idx"] = CosmosIndexJson.Write(write.Index);
        var (replicas, wide) = CosmosPartitioning.Replicas((string)entry["home"]!, write.Index);
        if (replicas.Count > 0) entry["reps"] = new JsonArray(replicas.Select(r => (JsonNode?)r).ToArray());
        if (wide) entry["wide"] = true;
        return entry;
    }

    public static ResourceKey Key(JsonNode doc) => new((string)doc["type"]!, (string)doc["rid"]!);

    public static int VersionOf(JsonNode doc) => (int)doc["vid"]!;

    public static bool IsDelete(JsonNode entry) => (int)entry["m"]! == (int)WriteMethod.Delete;

    public static string Kind(JsonNode doc) => (string)doc["kind"]!;

    /// <summary>A current or deleted document: the resource's latest version (as opposed to a pointer).</summary>
    public static bool IsResource(JsonNode doc) => Kind(doc) is CosmosKeys.Current or CosmosKeys.Deleted;

    /// <summary>The other patients' partitions holding replicas of the version (an entry or a current document).</summary>
    public static IReadOnlyList<string> ReplicasOf(JsonNode doc) => doc["reps"] is JsonArray reps ? reps.Select(r => (string)r!).ToList() : [];

    /// <summary>Whether writing over this version (or writing it) involves more than its own current document.</summary>
    public static bool Spreads(JsonNode doc) => doc["reps"] is JsonArray { Count: > 0 } || doc["wide"] is not null;

    /// <summary>The version fields shared by every document holding a version.</summary>
    private static JsonObject VersionFields(JsonNode source, string id, string pk, string kind)
    {
        var key = Key(source);
        var fields = new JsonObject
        {
            ["id"] = id,
            ["pk"] = pk,
            ["kind"] = kind,
            ["type"] = key.Type,
            ["rid"] = key.Id,
            ["vid"] = VersionOf(source),
            ["vk"] = CosmosKeys.VersionKey(key, VersionOf(source)),
            ["m"] = (int)source["m"]!,
            ["lu"] = (string)source["lu"]!,
            ["lum"] = (long)source["lum"]!,
            ["raw"] = (string)source["raw"]!,
        };
        // The version's patients (StoredResource.Patients); absent from documents written before they were kept.
        if (source["pat"] is { } patients) fields["pat"] = patients.DeepClone();
        return fields;
    }

    /// <summary>An immutable version document (from an entry, or from the current document it supersedes), in the resource's own partition.</summary>
    public static JsonObject Version(JsonNode source)
    {
        var key = Key(source);
        return VersionFields(source, CosmosKeys.VersionId(key, VersionOf(source)), CosmosKeys.Own(key), CosmosKeys.Version);
    }

    /// <summary>The resource's latest version in <paramref name="home"/>: searchable with its index arrays, or a deletion.</summary>
    public static JsonObject Resource(JsonNode entry, string home)
    {
        var deleted = IsDelete(entry);
        var doc = VersionFields(entry, CosmosKeys.ResourceId(Key(entry)), home, deleted ? CosmosKeys.Deleted : CosmosKeys.Current);
        if (deleted) return doc;
        if (entry["idx"] is JsonObject index)
        {
            foreach (var (name, value) in index) doc[name] = value?.DeepClone();
        }
        foreach (var name in CosmosIndexJson.Arrays.Append("cmp")) doc[name] ??= new JsonArray();
        if (entry["reps"] is JsonArray reps) doc["reps"] = reps.DeepClone();
        if (entry["wide"] is not null) doc["wide"] = true;
        return doc;
    }

    /// <summary>A copy of the current document in another patient's partition (searched only within that partition).</summary>
    public static JsonObject Replica(JsonNode entry, string home, string partition)
    {
        var doc = Resource(entry, home);
        doc["pk"] = partition;
        doc["kind"] = CosmosKeys.Replica;
        doc.Remove("reps");
        return doc;
    }

    /// <summary>
    /// Where the resource lives, in its own partition, when that is not its home: <c>hv</c> is the version that
    /// moved it there (a late roll-forward never moves it back), <c>txn</c> the transaction creating it, if any,
    /// and <c>at</c> when the pointer was written (a create that never finished can be taken over after the lease).
    /// </summary>
    public static JsonObject Pointer(ResourceKey key, string home, int version, string? txn, DateTimeOffset at) => new()
    {
        ["id"] = CosmosKeys.ResourceId(key),
        ["pk"] = CosmosKeys.Own(key),
        ["kind"] = CosmosKeys.Pointer,
        ["type"] = key.Type,
        ["rid"] = key.Id,
        ["home"] = home,
        ["hv"] = version,
        ["txn"] = txn,
        ["at"] = at.ToUnixTimeMilliseconds(),
    };

    /// <summary>The document without the service's system properties, ready to be written back.</summary>
    public static JsonObject Writable(JsonObject doc)
    {
        var copy = doc.DeepClone().AsObject();
        foreach (var system in new[] { "_rid", "_self", "_etag", "_attachments", "_ts" }) copy.Remove(system);
        return copy;
    }

    public static StoredResource ToStored(JsonNode doc) => new(
        Key(doc),
        VersionOf(doc),
        DateTimeOffset.Parse((string)doc["lu"]!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        (WriteMethod)(int)doc["m"]!,
        Encoding.UTF8.GetBytes((string)doc["raw"]!))
    {
        Patients = (string?)doc["pat"],
    };
}
