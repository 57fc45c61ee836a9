using FhirPortal.Search;
using FhirPortal.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Operations;

/// <summary>
/// A host's store that can be frozen: every call then waits until it is thawed, as if the instance had stopped dead
/// (no renewals, no checkpoints, no file writes that depend on the store). Job saves that succeed after the thaw are
/// counted, so a test can tell whether a stale owner overwrote anything.
/// </summary>
public sealed class FreezableStore(IResourceStore inner) : IResourceStore
{
    private readonly TaskCompletionSource _froze = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile TaskCompletionSource? _frozen;
    private int _savesAfterThaw, _saves, _freezeAt = int.MaxValue;
    private volatile bool _thawed;
    private string? _failingKind;
    private int _listFailures;

    /// <summary>Replaces the host's store with a freezable wrapper of it; <paramref name="created"/> gets the wrapper.</summary>
    public static Action<IServiceCollection> Install(Action<FreezableStore> created) => services =>
    {
        var original = services.Last(d => d.ServiceType == typeof(IResourceStore));
        services.Remove(original);
        services.AddSingleton<IResourceStore>(sp =>
        {
            var store = new FreezableStore((IResourceStore)original.ImplementationFactory!(sp));
            created(store);
            return store;
        });
    };

    /// <summary>Job records this store saved (plain or compare-and-swap) after <see cref="Thaw"/>.</summary>
    public int JobSavesAfterThaw => _savesAfterThaw;

    public void Freeze()
    {
        _frozen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _froze.TrySetResult();
    }

    /// <summary>Freezes the store right after its <paramref name="saves"/>-th successful compare-and-swap job save (a job midway).</summary>
    public void FreezeAfterJobSaves(int saves) => _freezeAt = saves;

    /// <summary>Completes once the store is frozen.</summary>
    public Task Frozen => _froze.Task;

    public void Thaw()
    {
        _thawed = true;
        _frozen?.TrySetResult();
    }

    private Task Gate() => _frozen?.Task ?? Task.CompletedTask;

    public async Task<StoredResource?> ReadAsync(ResourceKey key, CancellationToken ct) { await Gate(); return await inner.ReadAsync(key, ct); }
    public async Task<IReadOnlyList<StoredResource>> ReadManyAsync(IReadOnlyCollection<ResourceKey> keys, CancellationToken ct) { await Gate(); return await inner.ReadManyAsync(keys, ct); }
    public async Task<StoredResource?> ReadVersionAsync(ResourceKey key, int versionId, CancellationToken ct) { await Gate(); return await inner.ReadVersionAsync(key, versionId, ct); }
    public async Task CommitAsync(WriteBatch batch, CancellationToken ct)
    {
        await Gate();
        if (batch.Writes.Any(w => w.Version.Key.Type == _failingCommitType) && Interlocked.Decrement(ref _commitFailures) >= 0)
            throw new IOException("The store is unreachable (a test's transient failure).");
        await inner.CommitAsync(batch, ct);
    }

    private string? _failingCommitType;
    private int _commitFailures;

    /// <summary>The next <paramref name="times"/> commits that write a resource of <paramref name="type"/> fail as if the store were unreachable.</summary>
    public void FailCommits(string type, int times) => (_failingCommitType, _commitFailures) = (type, times);
    public async Task<Page> HistoryAsync(HistoryQuery query, CancellationToken ct) { await Gate(); return await inner.HistoryAsync(query, ct); }
    public async Task<Page> SearchAsync(SearchQuery query, CancellationToken ct) { await Gate(); return await inner.SearchAsync(query, ct); }
    public async Task<ReindexProgress> ReindexAsync(ReindexBatch batch, Func<StoredResource, ResourceIndex> index, CancellationToken ct) { await Gate(); return await inner.ReindexAsync(batch, index, ct); }
    public async Task<int> ExpungeAsync(IReadOnlyList<ResourceKey> keys, CancellationToken ct) { await Gate(); return await inner.ExpungeAsync(keys, ct); }
    public async Task<JobRecord?> ReadJobAsync(string id, CancellationToken ct) { await Gate(); return await inner.ReadJobAsync(id, ct); }
    public async Task<IReadOnlyList<JobRecord>> ListJobsByKindPrefixAsync(string kindPrefix, CancellationToken ct) { await Gate(); return await inner.ListJobsByKindPrefixAsync(kindPrefix, ct); }
    public async Task<bool> DeleteJobAsync(string id, string? version, CancellationToken ct) { await Gate(); return await inner.DeleteJobAsync(id, version, ct); }
    public async Task<IReadOnlyList<JobRecord>> ListJobsAsync(string kind, CancellationToken ct)
    {
        await Gate();
        if (kind == _failingKind && Interlocked.Decrement(ref _listFailures) >= 0) throw new IOException("The store is unreachable (a test's transient failure).");
        return await inner.ListJobsAsync(kind, ct);
    }

    /// <summary>Makes the next <paramref name="times"/> listings of <paramref name="kind"/> jobs throw, as a store hiccup would.</summary>
    public void FailJobListings(string kind, int times) => (_failingKind, _listFailures) = (kind, times);

    public async Task SaveJobAsync(JobRecord job, CancellationToken ct)
    {
        await Gate();
        await inner.SaveJobAsync(job, ct);
        if (_thawed) Interlocked.Increment(ref _savesAfterThaw);
    }

    public async Task<string?> TrySaveJobAsync(JobRecord job, CancellationToken ct)
    {
        await Gate();
        var version = await inner.TrySaveJobAsync(job, ct);
        if (version is null) return null;
        if (_thawed) Interlocked.Increment(ref _savesAfterThaw);
        if (Interlocked.Increment(ref _saves) == _freezeAt) Freeze();
        return version;
    }
}
