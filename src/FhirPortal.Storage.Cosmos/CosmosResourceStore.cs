using System.Text.Json.Nodes;
using FhirPortal.Search;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// The Azure Cosmos DB store: one container partitioned by Patient compartment, a searchable current document per
/// resource in its home partition (found through a pointer in its own partition when that is a patient's),
/// immutable superseded versions in its own partition, one conditional write per one-resource commit and
/// cross-partition transactions through a transaction record (README, "Cosmos DB store"). The container is
/// created and interrupted transactions recovered on first use.
/// </summary>
public sealed class CosmosResourceStore : IResourceStore, IDisposable
{
    private readonly CosmosClient _client;
    private readonly CosmosStoreOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly CosmosFaultPoint _faults;
    private readonly PortalMetrics? _metrics;
    private readonly Lock _gate = new();
    private Task<Parts>? _start;

    /// <summary>Point reads of one <see cref="ReadManyAsync"/> in flight at once.</summary>
    private const int ParallelReads = 16;

    private sealed record Parts(CosmosGateway Db, CosmosTransactions Transactions, CosmosSearch Search, CosmosHistory History);

    /// <param name="clock">The one clock of the store and its parts (lock times, leases, retention); the system clock by default.</param>
    /// <param name="metrics">Where the request units charged are counted (fhirportal.cosmos.request_units), if anywhere.</param>
    public CosmosResourceStore(CosmosStoreOptions options, ILogger<CosmosResourceStore>? logger = null, TimeProvider? clock = null, PortalMetrics? metrics = null)
        : this(options, logger, clock, CosmosFaultPoint.None, metrics)
    {
    }

    /// <summary>A store whose requests pass <paramref name="faults"/> (tests: crashes and stalls at chosen points).</summary>
    internal CosmosResourceStore(CosmosStoreOptions options, ILogger<CosmosResourceStore>? logger, TimeProvider? clock, CosmosFaultPoint faults, PortalMetrics? metrics = null)
    {
        _metrics = metrics;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _clock = clock ?? TimeProvider.System;
        _faults = faults;
        // Note: off Azure the SDK's probe of the Azure VM metadata endpoint (169.254.169.254) only waits for a
        // timeout, and a local emulator is never on an Azure VM: switch it off before the first client is built.
        if (options.IsEmulator) Environment.SetEnvironmentVariable("COSMOS_DISABLE_IMDS_ACCESS", "true");
        var clientOptions = new CosmosClientOptions
        {
            ConnectionMode = ConnectionMode.Gateway,
            // An emulator answers on one address only: never follow the account's advertised regional endpoints.
            LimitToEndpoint = options.IsEmulator,
            ApplicationName = "FhirPortal",
        };
        // A local emulator shares its machine's cores with everything else (tests, builds): allow it slow answers.
        if (options.IsEmulator) clientOptions.RequestTimeout = TimeSpan.FromMinutes(2);
        // Note: only for emulators with self-signed certificates; off unless configured.
        if (options.AcceptAnyServerCertificate) clientOptions.ServerCertificateCustomValidationCallback = (_, _, _) => true;
        _client = new CosmosClient(options.Endpoint, options.Key, clientOptions);
    }

    /// <summary>The container and helpers, set up on first use; a failed start (service unreachable) is retried next time.</summary>
    private Task<Parts> PartsAsync()
    {
        lock (_gate)
        {
            if (_start is null || _start.IsFaulted || _start.IsCanceled) _start = StartAsync();
            return _start;
        }
    }

    private async Task<Parts> StartAsync()
    {
        var container = await CosmosContainerSetup.EnsureAsync(_client, _options, CancellationToken.None);
        var db = new CosmosGateway(container, _logger, _faults, _metrics);
        var wideTypes = new CosmosWideTypes(db);
        var search = new CosmosSearch(db, wideTypes);
        var locator = new CosmosLocator(db);
        var transactions = new CosmosTransactions(db, locator, wideTypes, _options, search.AnyMatchAsync, _clock, _faults);
        using (CosmosCharge.Measure(_logger, "recovery"))
            await transactions.RecoverAsync(CancellationToken.None);
        return new Parts(db, transactions, search, new CosmosHistory(db, transactions));
    }

    public async Task<StoredResource?> ReadAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var parts = await PartsAsync();
        using var _ = CosmosCharge.Measure(_logger, "read");
        var current = (await parts.Transactions.SettledAsync(key, forWrite: false, cancellationToken)).Resource;
        return current is null ? null : CosmosDocuments.ToStored(current.Body);
    }

    public async Task<IReadOnlyList<StoredResource>> ReadManyAsync(IReadOnlyCollection<ResourceKey> keys, CancellationToken cancellationToken)
    {
        var parts = await PartsAsync();
        using var _ = CosmosCharge.Measure(_logger, $"read of {keys.Count}");
        // Point reads (1 RU each, and each settles a transaction holding its resource like ReadAsync) run side by side;
        // a query for many ids would cross partitions and cost more than the point reads.
        var found = new StoredResource?[keys.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(keys.Distinct().Select((key, i) => (key, i)), options, async (k, ct) =>
        {
            var current = (await parts.Transactions.SettledAsync(k.key, forWrite: false, ct)).Resource;
            found[k.i] = current is null ? null : CosmosDocuments.ToStored(current.Body);
        });
        return [.. found.OfType<StoredResource>()];
    }

    public async Task<StoredResource?> ReadVersionAsync(ResourceKey key, int versionId, CancellationToken cancellationToken)
    {
        var parts = await PartsAsync();
        using var _ = CosmosCharge.Measure(_logger, "vread");
        if (versionId < 1) return null;
        // A superseded version has its own document; the latest one is the current document.
        var version = await parts.Db.ReadAsync(CosmosKeys.VersionId(key, versionId), CosmosKeys.Own(key), cancellationToken);
        if (version is not null) return CosmosDocuments.ToStored(version.Body);
        var current = (await parts.Transactions.SettledAsync(key, forWrite: false, cancellationToken)).Resource;
        if (current is null || CosmosDocuments.VersionOf(current.Body) < versionId) return null;
        if (CosmosDocuments.VersionOf(current.Body) == versionId) return CosmosDocuments.ToStored(current.Body);
        // Superseded between the two reads: its version document exists now.
        version = await parts.Db.ReadAsync(CosmosKeys.VersionId(key, versionId), CosmosKeys.Own(key), cancellationToken);
        return version is null ? null : CosmosDocuments.ToStored(version.Body);
    }

    public async Task CommitAsync(WriteBatch batch, CancellationToken cancellationToken)
    {
        foreach (var write in batch.Writes) CosmosDocumentLimit.Check(write);
        var parts = await PartsAsync();
        using var _ = CosmosCharge.Measure(_logger, $"commit of {batch.Writes.Count} writes");
        await parts.Transactions.CommitAsync(batch, cancellationToken);
    }

    public async Task<Page> HistoryAsync(HistoryQuery query, CancellationToken cancellationToken)
    {
        var parts = await PartsAsync();
        using var _ = CosmosCharge.Measure(_logger, "history");
        return await parts.History.QueryAsync(query, cancellationToken);
    }

    public async Task<Page> SearchAsync(SearchQuery query, CancellationToken cancellationToken)
    {
        var parts = await PartsAsync();
        using var _ = CosmosCharge.Measure(_logger, $"search {query.ResourceType}");
        return await parts.Search.QueryAsync(query, cancellationToken);
    }

    public async Task<ReindexProgress> ReindexAsync(ReindexBatch batch, Func<StoredResource, ResourceIndex> index, CancellationToken cancellationToken)
    {
        var parts = await PartsAsync();
        using var _ = CosmosCharge.Measure(_logger, "reindex");
        return await CosmosReindex.RunAsync(parts.Db, batch, index, cancellationToken);
    }

    public async Task<int> ExpungeAsync(IReadOnlyList<ResourceKey> keys, CancellationToken cancellationToken)
    {
        var parts = await PartsAsync();
        using var _ = CosmosCharge.Measure(_logger, $"expunge of {keys.Count}");
        var removed = 0;
        foreach (var key in keys)
            if (await CosmosExpunge.RunAsync(parts.Db, parts.Transactions, key, cancellationToken)) removed++;
        return removed;
    }

    public async Task SaveJobAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var parts = await PartsAsync();
        using var _ = CosmosCharge.Measure(_logger, "save job");
        await parts.Db.UpsertAsync(JobDocument(job), cancellationToken);
    }

    public async Task<string?> TrySaveJobAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var parts = await PartsAsync();
        using var _ = CosmosCharge.Measure(_logger, "save job if unchanged");
        // The ETag is the version: a create refuses an existing job, a replace one whose ETag moved on.
        return job.Version is null
            ? await parts.Db.CreateAsync(JobDocument(job), cancellationToken)
            : await parts.Db.ReplaceAsync(JobDocument(job), job.Version, cancellationToken);
    }

    private static JsonObject JobDocument(JobRecord job)
    {
        var id = CosmosKeys.JobId(job.Id);
        return new JsonObject
        {
            ["id"] = id, ["pk"] = id, ["kind"] = CosmosKeys.Job, ["jobId"] = job.Id, ["jobKind"] = job.Kind, ["state"] = job.State,
        };
    }

    public async Task<JobRecord?> ReadJobAsync(string id, CancellationToken cancellationToken)
    {
        var parts = await PartsAsync();
        using var _ = CosmosCharge.Measure(_logger, "read job");
        var doc = await parts.Db.ReadAsync(CosmosKeys.JobId(id), CosmosKeys.JobId(id), cancellationToken);
        return doc is null ? null : Job(doc.Body) with { Version = doc.ETag };
    }

    public async Task<IReadOnlyList<JobRecord>> ListJobsAsync(string kind, CancellationToken cancellationToken)
    {
        var parts = await PartsAsync();
        using var _ = CosmosCharge.Measure(_logger, "list jobs");
        var query = new QueryDefinition("SELECT * FROM c WHERE c.kind = @kind AND c.jobKind = @jobKind ORDER BY c.jobId")
            .WithParameter("@kind", CosmosKeys.Job).WithParameter("@jobKind", kind);
        var rows = await parts.Db.QueryAsync(query, null, int.MaxValue, cancellationToken);
        return rows.Select(r => Job(r!)).ToList();
    }

    public async Task<IReadOnlyList<JobRecord>> ListJobsByKindPrefixAsync(string kindPrefix, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(kindPrefix);
        var parts = await PartsAsync();
        using var _ = CosmosCharge.Measure(_logger, "list jobs by kind prefix");
        var query = new QueryDefinition("SELECT * FROM c WHERE c.kind = @kind AND STARTSWITH(c.jobKind, @prefix) ORDER BY c.jobId")
            .WithParameter("@kind", CosmosKeys.Job).WithParameter("@prefix", kindPrefix);
        var rows = await parts.Db.QueryAsync(query, null, int.MaxValue, cancellationToken);
        return rows.Select(r => Job(r!)).ToList();
    }

    public async Task<bool> DeleteJobAsync(string id, string? version, CancellationToken cancellationToken)
    {
        var parts = await PartsAsync();
        using var _ = CosmosCharge.Measure(_logger, "delete job");
        // The ETag is the version: a delete conditional on it fails (false) once another writer moved the job on.
        return await parts.Db.DeleteAsync(CosmosKeys.JobId(id), CosmosKeys.JobId(id), version, cancellationToken);
    }

    private static JobRecord Job(JsonNode doc) =>
        new((string)doc["jobId"]!, (string)doc["jobKind"]!, (string)doc["state"]!, (string?)doc["_etag"]);

    public void Dispose() => _client.Dispose();
}
