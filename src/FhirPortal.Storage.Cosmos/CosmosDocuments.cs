using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// The shapes of the resource documents. A transaction record carries each write as an "entry" (the version plus
/// its home partition and index), from which the version and current documents are built when it is applied.
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
            ["home"] = CosmosPartitioning.Home(v.Key, v.IsDeleted ? null : write.Index),
        };
        if (!v.IsDeleted && write.Index is not null) entry["idx"] = CosmosIndexJson.Write(write.Index);
        return entry;
    }

    public static ResourceKey Key(JsonNode doc) => new((string)doc["type"]!, (string)doc["rid"]!);

    public static int VersionOf(JsonNode doc) => (int)doc["vid"]!;

    public static bool IsDelete(JsonNode entry) => (int)entry["m"]! == (int)WriteMethod.Delete;

    /// <summary>An immutable version document, in the resource's own partition (history and vread never need its home).</summary>
    public static JsonObject Version(JsonNode entry)
    {
        var key = Key(entry);
        return new JsonObject
        {
            ["id"] = CosmosKeys.VersionId(key, VersionOf(entry)),
            ["pk"] = CosmosKeys.Own(key),
            ["kind"] = CosmosKeys.Version,
            ["type"] = key.Type,
            ["rid"] = key.Id,
            ["vid"] = VersionOf(entry),
            ["m"] = (int)entry["m"]!,
            ["lu"] = (string)entry["lu"]!,
            ["lum"] = (long)entry["lum"]!,
            ["raw"] = (string)entry["raw"]!,
        };
    }

    /// <summary>The searchable current document in the home partition: the version's fields plus its index arrays.</summary>
    public static JsonObject Current(JsonNode entry)
    {
        var key = Key(entry);
        var doc = Version(entry);
        doc["id"] = CosmosKeys.CurrentId(key);
        doc["pk"] = (string)entry["home"]!;
        doc["kind"] = CosmosKeys.Current;
        if (entry["idx"] is JsonObject index)
        {
            foreach (var (name, value) in index) doc[name] = value?.DeepClone();
        }
        foreach (var name in CosmosIndexJson.Arrays.Append("cmp")) doc[name] ??= new JsonArray();
        return doc;
    }

    /// <summary>A resource's head: its committed version, its home partition, and the lock of a transaction writing it.</summary>
    public static JsonObject NewHead(ResourceKey key) => new()
    {
        ["id"] = CosmosKeys.HeadId(key),
        ["pk"] = CosmosKeys.Own(key),
        ["kind"] = CosmosKeys.Head,
        ["type"] = key.Type,
        ["rid"] = key.Id,
        ["vid"] = 0,
        ["home"] = CosmosKeys.Own(key),
        ["lock"] = null,
    };

    public static StoredResource ToStored(JsonNode doc) => new(
        Key(doc),
        VersionOf(doc),
        DateTimeOffset.Parse((string)doc["lu"]!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        (WriteMethod)(int)doc["m"]!,
        Encoding.UTF8.GetBytes((string)doc["raw"]!));
}
