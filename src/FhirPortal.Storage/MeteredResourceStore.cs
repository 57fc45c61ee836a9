using System.Diagnostics;
using FhirPortal.Search;

namespace FhirPortal.Storage;

/// <summary>Times every call of the store it wraps into <see cref="PortalMetrics"/> (fhirportal.store.duration), whatever the backend.</summary>
public sealed class MeteredResourceStore(IResourceStore inner, PortalMetrics metrics) : IResourceStore, IDisposable
{
    /// <summary>The store doing the work (health checks and tests that need the concrete backend).</summary>
    public IResourceStore Inner => inner;

    public Task<StoredResource?> ReadAsync(ResourceKey key, CancellationToken cancellationToken) =>
        TimeAsync("read", () => inner.ReadAsync(key, cancellationToken));

    public Task<IReadOnlyList<StoredResource>> ReadManyAsync(IReadOnlyCollection<ResourceKey> keys, CancellationToken cancellationToken) =>
        TimeAsync("read-many", () => inner.ReadManyAsync(keys, cancellationToken));

    public Task<StoredResource?> ReadVersionAsync(ResourceKey key, int versionId, CancellationToken cancellationToken) =>
        TimeAsync("vread", () => inner.ReadVersionAsync(key, versionId, cancellationToken));

    public Task CommitAsync(WriteBatch batch, CancellationToken cancellationToken) =>
        TimeAsync("commit", async () => { await inner.CommitAsync(batch, cancellationToken); return true; });

    public Task<Page> HistoryAsync(HistoryQuery query, CancellationToken cancellationToken) =>
        TimeAsync("history", () => inner.HistoryAsync(query, cancellationToken));

    public Task<Page> SearchAsync(SearchQuery query, CancellationToken cancellationToken) =>
        TimeAsync("search", () => inner.SearchAsync(query, cancellationToken));

    public Task<ReindexProgress> ReindexAsync(ReindexBatch batch, Func<StoredResource, ResourceIndex> index, CancellationToken cancellationToken) =>
        TimeAsync("reindex", () => inner.ReindexAsync(batch, index, cancellationToken));

    public Task<int> ExpungeAsync(IReadOnlyList<ResourceKey> keys, CancellationToken cancellationToken) =>
        TimeAsync("expunge", () => inner.ExpungeAsync(keys, cancellationToken));

    public Task SaveJobAsync(JobRecord job, CancellationToken cancellationToken) =>
        TimeAsync("save-job", async () => { await inner.SaveJobAsync(job, cancellationToken); return true; });

    public Task<string?> TrySaveJobAsync(JobRecord job, CancellationToken cancellationToken) =>
        TimeAsync("save-job", () => inner.TrySaveJobAsync(job, cancellationToken));

    public Task<JobRecord?> ReadJobAsync(string id, CancellationToken cancellationToken) =>
        TimeAsync("read-job", () => inner.ReadJobAsync(id, cancellationToken));

    public Task<IReadOnlyList<JobRecord>> ListJobsAsync(string kind, CancellationToken cancellationToken) =>
        TimeAsync("list-jobs", () => inner.ListJobsAsync(kind, cancellationToken));

    public Task<IReadOnlyList<JobRecord>> ListJobsByKindPrefixAsync(string kindPrefix, CancellationToken cancellationToken) =>
        TimeAsync("list-jobs", () => inner.ListJobsByKindPrefixAsync(kindPrefix, cancellationToken));

    public Task<bool> DeleteJobAsync(string id, string? version, CancellationToken cancellationToken) =>
        TimeAsync("delete-job", () => inner.DeleteJobAsync(id, version, cancellationToken));

    public void Dispose() => (inner as IDisposable)?.Dispose();

    // Failed calls (conflicts included) are timed too: a slow conflict is still time spent in the store.
    private Task<T> TimeAsync<T>(string operation, Func<Task<T>> call) =>
        metrics.TimesStoreCalls ? TimedAsync(operation, call) : call();

    private async Task<T> TimedAsync<T>(string operation, Func<Task<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        try { return await call(); }
        finally { metrics.RecordStoreCall(operation, Stopwatch.GetElapsedTime(started)); }
    }
}
