using System.Collections.ObjectModel;
using Microsoft.Azure.Cosmos;

namespace FhirPortal.Storage.Cosmos;

/// <summary>Creates the database and container when missing, with the store's indexing policy.</summary>
internal static class CosmosContainerSetup
{
    public const string PartitionKeyPath = "/pk";

    public static async Task<Container> EnsureAsync(CosmosClient client, CosmosStoreOptions options, CancellationToken ct)
    {
        var database = (await client.CreateDatabaseIfNotExistsAsync(options.Database, cancellationToken: ct)).Database;
        var properties = new ContainerProperties(options.Container, PartitionKeyPath) { IndexingPolicy = IndexingPolicy() };
        return (await database.CreateContainerIfNotExistsAsync(properties, cancellationToken: ct)).Container;
    }

    // Sort keys (CosmosSortKeys) of the searches clients sort by most, served together with the type filter.
    private static readonly string[] CommonSorts = ["date", "birthdate", "family", "name", "code"];

    /// <summary>
    /// Everything is range-indexed except the stored resource text, the full-text tokens (matched with CONTAINS, which
    /// scans them anyway) and transaction payloads: never range-filtered, and the bulk of each document, so leaving
    /// them out keeps write charges down. Composite indexes serve the orders the search and history queries use (each
    /// sort key tied by document id) and, per resource type, _lastUpdated and the common sort keys. Other _sort
    /// orders need none: each of their queries orders by a single path (see CosmosSortWalk).
    /// </summary>
    public static IndexingPolicy IndexingPolicy()
    {
        var policy = new IndexingPolicy { IndexingMode = IndexingMode.Consistent, Automatic = true };
        policy.IncludedPaths.Add(new IncludedPath { Path = "/*" });
        foreach (var path in new[] { "/raw/?", "/writes/*", "/idx/*", "/tx/?", "/\"_etag\"/?" })
            policy.ExcludedPaths.Add(new ExcludedPath { Path = path });
        // Request units: fields only ever read back, never filtered or sorted on (the display timestamp, the write
        // method, a version's patients, a pointer's home, version and transaction, a record's criteria locks, when a lock was taken).
        foreach (var path in new[] { "/lu/?", "/m/?", "/pat/?", "/home/?", "/hv/?", "/txn/?", "/crit/*", "/lock/at/?" })
            policy.ExcludedPaths.Add(new ExcludedPath { Path = path });
        foreach (var order in new[] { CompositePathSortOrder.Ascending, CompositePathSortOrder.Descending })
        {
            policy.CompositeIndexes.Add(Composite(order, "/lum", "/id"));
            policy.CompositeIndexes.Add(Composite(order, "/rid", "/id"));
            policy.CompositeIndexes.Add(Composite(order, "/lum", "/vid", "/vk"));
            policy.CompositeIndexes.Add(Composite(order, "/type", "/lum"));
            // Ascending sorts read the lowest values (sa), descending ones the highest (sd): see CosmosSortKeys.
            var keys = order == CompositePathSortOrder.Ascending ? CosmosSortKeys.Ascending : CosmosSortKeys.Descending;
            foreach (var param in CommonSorts) policy.CompositeIndexes.Add(Composite(order, "/type", $"/{keys}/{param}"));
        }
        return policy;
    }

    private static Collection<CompositePath> Composite(CompositePathSortOrder order, params string[] paths) =>
        new(paths.Select(p => new CompositePath { Path = p, Order = order }).ToList());
}
