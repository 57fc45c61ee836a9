using System.Text.Json;
using System.Text.Json.Serialization;
using FhirPortal.Core.Access;
using FhirPortal.Core.Jobs;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Core.SearchParameters;

/// <summary>What a <c>$reindex</c> job has done so far; persisted after every batch so a restart resumes it.</summary>
public sealed record ReindexJobState(
    string? Type, string Status, string? Cursor, long Processed, DateTimeOffset Started, DateTimeOffset? Finished = null, string? Error = null,
    JobLease? Lease = null) : ILeasedJobState
{
    public const string Running = "running", Completed = "completed", Failed = "failed";

    [JsonIgnore] public bool Runnable => Status == Running;
    [JsonIgnore] public bool Cancelled => false;
}

/// <summary>
/// <c>$reindex</c>: recomputes stored index values with the current search parameters (after a custom
/// SearchParameter is added) without creating versions. One resource runs at once; a type or the whole system runs
/// as a background job in batches, each atomic against concurrent writes, on one instance under a lease
/// (<see cref="LeasedJobQueue{T}"/>: taken over when its instance dies, resumed after a restart).
/// </summary>
public sealed class ReindexJobs(IResourceStore store, SearchIndexer indexer, TimeProvider clock, CallerContext callers,
    JobLeasing leasing, ILogger<ReindexJobs> logger)
{
    public const string Kind = "reindex";
    private const int BatchSize = 200;

    private readonly LeasedJobQueue<ReindexJobState> _jobs = new(store, leasing, Kind, 1, logger);

    public async Task<bool> ReindexResourceAsync(ResourceKey key, CancellationToken ct)
    {
        callers.Current.RequireSystem("$reindex", key.Type);
        return (await store.ReindexAsync(new ReindexBatch(key.Type, key.Id, null, 1), Index, ct)).Processed == 1;
    }

    public async Task<string> StartAsync(string? type, CancellationToken ct)
    {
        callers.Current.RequireSystem("$reindex", type);
        return await _jobs.StartAsync(new ReindexJobState(type, ReindexJobState.Running, null, 0, clock.GetUtcNow()), ct);
    }

    public async Task<ReindexJobState?> ReadAsync(string id, CancellationToken ct)
    {
        callers.Current.RequireSystem("$reindex", null);
        return await LoadAsync(id, ct);
    }

    private async Task<ReindexJobState?> LoadAsync(string id, CancellationToken ct) =>
        await store.ReadJobAsync(id, ct) is { Kind: Kind } job ? JsonSerializer.Deserialize<ReindexJobState>(job.State) : null;

    /// <summary>The worker loop: runs the jobs leased to this instance one at a time (new ones, and those taken over or resumed).</summary>
    public Task RunAsync(CancellationToken stopping) => _jobs.RunAsync(RunJobAsync, _ => { }, stopping);

    private async Task RunJobAsync(LeasedJob<ReindexJobState> job, CancellationToken ct)
    {
        var state = job.State;
        try
        {
            do
            {
                // A batch rewrites index rows only, so one repeated after a takeover is harmless; still, none runs without the lease.
                job.EnsureHeld();
                var progress = await store.ReindexAsync(new ReindexBatch(state.Type, null, state.Cursor, BatchSize), Index, ct);
                state = state with { Cursor = progress.NextCursor, Processed = state.Processed + progress.Processed };
                if (progress.NextCursor is null)
                    state = state with { Status = ReindexJobState.Completed, Finished = clock.GetUtcNow() };
                await job.SaveAsync(state);
            } while (state.Status == ReindexJobState.Running);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped by shutdown (the lease is given up) or by a lost lease.
        }
        catch (JobLeaseLostException)
        {
            // Another instance runs the job now.
        }
        catch (Exception e)
        {
            try { await job.SaveAsync(state with { Status = ReindexJobState.Failed, Finished = clock.GetUtcNow(), Error = e.Message }); }
            catch (JobLeaseLostException) { }
        }
    }

    private ResourceIndex Index(StoredResource stored) => indexer.Index(FhirParser.ParseStored(stored.Json.Span));
}
