using System.Text.Json;
using System.Threading.Channels;
using FhirPortal.Core.Access;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;

namespace FhirPortal.Core.SearchParameters;

/// <summary>What a <c>$reindex</c> job has done so far; persisted after every batch so a restart resumes it.</summary>
public sealed record ReindexJobState(
    string? Type, string Status, string? Cursor, long Processed, DateTimeOffset Started, DateTimeOffset? Finished = null, string? Error = null)
{
    public const string Running = "running", Completed = "completed", Failed = "failed";
}

/// <summary>
/// <c>$reindex</c>: recomputes stored index values with the current search parameters (after a custom
/// SearchParameter is added) without creating versions. One resource runs at once; a type or the whole system runs
/// as a background job in batches, each atomic against concurrent writes.
/// </summary>
public sealed class ReindexJobs(IResourceStore store, SearchIndexer indexer, TimeProvider clock, CallerContext callers)
{
    public const string Kind = "reindex";
    private const int BatchSize = 200;

    private readonly Channel<string> _started = Channel.CreateUnbounded<string>();

    public async Task<bool> ReindexResourceAsync(ResourceKey key, CancellationToken ct)
    {
        callers.Current.RequireSystem("$reindex", key.Type);
        return (await store.ReindexAsync(new ReindexBatch(key.Type, key.Id, null, 1), Index, ct)).Processed == 1;
    }

    public async Task<string> StartAsync(string? type, CancellationToken ct)
    {
        callers.Current.RequireSystem("$reindex", type);
        var id = Guid.CreateVersion7().ToString("N");
        await SaveAsync(id, new ReindexJobState(type, ReindexJobState.Running, null, 0, clock.GetUtcNow()), ct);
        _started.Writer.TryWrite(id);
        return id;
    }

    public async Task<ReindexJobState?> ReadAsync(string id, CancellationToken ct)
    {
        callers.Current.RequireSystem("$reindex", null);
        return await LoadAsync(id, ct);
    }

    private async Task<ReindexJobState?> LoadAsync(string id, CancellationToken ct) =>
        await store.ReadJobAsync(id, ct) is { Kind: Kind } job ? JsonSerializer.Deserialize<ReindexJobState>(job.State) : null;

    /// <summary>The worker loop: first resumes jobs a restart interrupted, then runs each newly started one.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        foreach (var job in await store.ListJobsAsync(Kind, stopping))
            if (JsonSerializer.Deserialize<ReindexJobState>(job.State) is { Status: ReindexJobState.Running } state)
                await RunJobAsync(job.Id, state, stopping);
        await foreach (var id in _started.Reader.ReadAllAsync(stopping))
            if (await LoadAsync(id, stopping) is { Status: ReindexJobState.Running } state)
                await RunJobAsync(id, state, stopping);
    }

    private async Task RunJobAsync(string id, ReindexJobState state, CancellationToken stopping)
    {
        try
        {
            do
            {
                var progress = await store.ReindexAsync(new ReindexBatch(state.Type, null, state.Cursor, BatchSize), Index, stopping);
                state = state with { Cursor = progress.NextCursor, Processed = state.Processed + progress.Processed };
                if (progress.NextCursor is null)
                    state = state with { Status = ReindexJobState.Completed, Finished = clock.GetUtcNow() };
                await SaveAsync(id, state, stopping);
            } while (state.Status == ReindexJobState.Running);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await SaveAsync(id, state with { Status = ReindexJobState.Failed, Finished = clock.GetUtcNow(), Error = e.Message }, CancellationToken.None);
        }
    }

    private Task SaveAsync(string id, ReindexJobState state, CancellationToken ct) =>
        store.SaveJobAsync(new JobRecord(id, Kind, JsonSerializer.Serialize(state)), ct);

    private ResourceIndex Index(StoredResource stored) => indexer.Index(FhirParser.ParseStored(stored.Json.Span));
}
