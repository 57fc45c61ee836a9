namespace FhirPortal.Storage.Cosmos;

// Document ids join parts with ':' (never part of a FHIR type or id, and safe in a URL path). Partition keys of a
// resource's own documents are "Type/id", which is also the key of a patient's compartment partition.

/// <summary>Ids and partition keys of the store's documents (see README, "Cosmos DB store").</summary>
internal static class CosmosKeys
{
    public const string Head = "head";
    public const string Version = "ver";
    public const string Current = "cur";
    public const string Transaction = "txn";
    public const string TransactionPart = "txnpart";
    public const string CriteriaLock = "crit";
    public const string Job = "job";

    /// <summary>The partition of a resource's head and version documents.</summary>
    public static string Own(ResourceKey key) => $"{key.Type}/{key.Id}";

    public static string HeadId(ResourceKey key) => $"{Head}:{key.Type}:{key.Id}";

    public static string VersionId(ResourceKey key, int version) => $"{Version}:{key.Type}:{key.Id}:{version}";

    public static string CurrentId(ResourceKey key) => $"{Current}:{key.Type}:{key.Id}";

    public static string TransactionId(string txn) => $"{Transaction}:{txn}";

    public static string TransactionPartId(string txn, int part) => $"{TransactionPart}:{txn}:{part}";

    public static string JobId(string id) => $"{Job}:{id}";
}
