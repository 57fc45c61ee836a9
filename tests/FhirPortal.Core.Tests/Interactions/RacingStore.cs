using FhirPortal.Search;
using FhirPortal.Storage;

namespace FhirPortal.Core.Tests.Interactions;

/// <summary>
/// A store that runs a competing write once, just before the next commit: the competitor lands between a write's
/// plan and its commit, so that write loses the race for real (the store's own conflict check) and must re-plan.
/// </summary>
public sealed class RacingStore(IResourceStore inner) : IResourceStore
{
    private Func<Task>? _competitor;
    private int _commits;

    /// <summary>Commit calls so far, successful or not (a lost race and its retry are two).</summary>
    public int Commits => _commits;

    public void BeforeNextCommit(Func<Task> competitor) => _competitor = competitor;

    public async Task CommitAsync(WriteBatch batch, CancellationToken cancellationToken)
    {
        // Taken before running it: the competitor's own commit goes straight through.
        if (Interlocked.Exchange(ref _competitor, null) is { } competitor) await competitor();
        Interlocked.Increment(ref _commits);
        await inner.CommitAsync(batch, cancellationToken);
    }

    public Task<StoredResource?> ReadAsync(ResourceKey key, CancellationToken cancellationToken) => inner.ReadAsync(key, cancellationToken);
    public Task<IReadOnlyList<StoredResource>> ReadManyAsync(IReadOnlyCollection<ResourceKey> keys, CancellationToken cancellationToken) => inner.ReadManyAsync(keys, cancellationToken);
    public Task<StoredResource?> ReadVersionAsync(ResourceKey key, int versionId, CancellationToken cancellationToken) => inner.ReadVersionAsync(key, versionId, cancellationToken);
    public Task<Page> HistoryAsync(HistoryQuery query, CancellationToken cancellationToken) => inner.HistoryAsync(query, cancellationToken);
    public Task<Page> SearchAsync(SearchQuery query, CancellationToken cancellationToken) => inner.SearchAsync(query, cancellationToken);
    public Task<ReindexProgress> ReindexAsync(ReindexBatch batch, Func<StoredResource, ResourceIndex> index, CancellationToken cancellationToken) =>
        inner.ReindexAsync(batch, index, cancellationToken);
    public Task<int> ExpungeAsync(IReadOnlyList<ResourceKey> keys, CancellationToken cancellationToken) => inner.ExpungeAsync(keys, cancellationToken);
    public Task SaveJobAsync(JobRecord job, CancellationToken cancellationToken) => inner.SaveJobAsync(job, cancellationToken);
    public Task<string?> TrySaveJobAsync(JobRecord job, CancellationToken cancellationToken) => inner.TrySaveJobAsync(job, cancellationToken);
    public Task<JobRecord?> ReadJobAsync(string id, CancellationToken cancellationToken) => inner.ReadJobAsync(id, cancellationToken);
    public Task<IReadOnlyList<JobRecord>> ListJobsAsync(string kind, CancellationToken cancellationToken) => inner.ListJobsAsync(kind, cancellationToken);
    public Task<IReadOnlyList<JobRecord>> ListJobsByKindPrefixAsync(string kindPrefix, CancellationToken cancellationToken) => inner.ListJobsByKindPrefixAsync(kindPrefix, cancellationToken);
    public Task<bool> DeleteJobAsync(string id, string? version, CancellationToken cancellationToken) => inner.DeleteJobAsync(id, version, cancellationToken);
}
