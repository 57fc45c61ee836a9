namespace FhirPortal.Storage.Cosmos;

// Document ids join parts with ':' (never part of a FHIR type or id, and safe in a URL path). Partition keys of a
// resource's own documents are "Type/id", which is also the key of a patient's compartment partition.

/// <summary>Ids, kinds and partition keys of the store's documents (see README, "Cosmos DB store").</summary>
internal static class CosmosKeys
{
    /// <summary>A resource's searchable current version, in its home partition.</summary>
    public const string Current = "cur";
    /// <summary>A resource whose latest version is a deletion, in its home partition (never searched).</summary>
    public const string Deleted = "del";
    /// <summary>In a resource's own partition, when its home is another one: where its current document lives.</summary>
    public const string Pointer = "ptr";
    /// <summary>A copy of a current document in the partition of another patient whose compartment it is in.</summary>
    public const string Replica = "rep";
    /// <summary>An immutable superseded version, in the resource's own partition.</summary>
    public const string Version = "ver";
    public const string Transaction = "txn";
    public const string TransactionPart = "txnpart";
    public const string CriteriaLock = "crit";
    public const string Job = "job";
    /// <summary>The one document listing the types that have wide resources (id and partition key alike).</summary>
    public const string WideTypes = "wide";

    /// <summary>The partition of a resource's version documents (and of its current document when it is in no compartment).</summary>
    public static string Own(ResourceKey key) => $"{key.Type}/{key.Id}";

    /// <summary>The id of a resource's current (or deleted) document in its home, and of its pointer in its own partition.</summary>
    public static string ResourceId(ResourceKey key) => $"{key.Type}:{key.Id}";

    public static string VersionId(ResourceKey key, int version) => $"{Version}:{key.Type}:{key.Id}:{version}";

    /// <summary>Names one version of one resource on every document that holds it (history sorts and matches by it).</summary>
    public static string VersionKey(ResourceKey key, int version) => $"{key.Type}/{key.Id}/{version}";

    public static string TransactionId(string txn) => $"{Transaction}:{txn}";

    public static string TransactionPartId(string txn, int part) => $"{TransactionPart}:{txn}:{part}";

    /// <summary>Marks, beside its record, that someone other than its owner rolls a transaction forward (a part without writes, swept like one).</summary>
    public static string RolledForwardId(string txn) => $"{TransactionPart}:{txn}:rolled";

    public static string JobId(string id) => $"{Job}:{id}";
}
