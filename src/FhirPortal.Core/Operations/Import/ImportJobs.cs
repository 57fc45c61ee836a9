using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Operations.Import;

/// <summary>
/// Bulk Data import jobs (<c>$import</c>, the Microsoft FHIR server's Parameters shape): persisted in the store's job
/// table, run in the background with the kick-off caller's access by at most <see cref="ImportOptions.MaxParallelJobs"/>
/// workers, resumed after a restart, stopped on DELETE (what was committed stays), and expired after
/// <see cref="ImportOptions.Retention"/>.
/// </summary>
public sealed class ImportJobs(IResourceStore store, ImportKickoff kickoff, ImportWriter writer, ImportSources sources, ImportOptions options,
    TimeProvider clock, CallerContext callers, AccessAudit audit)
{
    public const string Kind = "import";
    public const string ErrorFileName = "errors.ndjson";

    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, (CancellationTokenSource Cancel, TaskCompletionSource Done)> _running = new();

    public string Directory => Path.GetFullPath(options.Directory ?? "import-jobs");

    /// <summary>Jobs waiting for a free worker.</summary>
    public int Queued => _queue.Reader.Count;

    public string JobDirectory(string id) => Path.Combine(Directory, id);

    /// <summary>Checks the request (403 without a bulk-write scope, 400 for an input it may not read), records the kick-off in the access audit, and queues the job.</summary>
    public async Task<string> StartAsync(Parameters? parameters, string owner, string requestUrl, CancellationToken ct)
    {
        var access = callers.Current;
        var state = await audit.RecordAsync("operation", null, requestUrl, [],
            () => kickoff.ParseAsync(parameters, owner, requestUrl, access, ct), _ => []);
        var id = Guid.CreateVersion7().ToString("N");
        await SaveAsync(store, id, state, ct);
        _queue.Writer.TryWrite(id);
        return id;
    }

    /// <summary>The job, or null when it does not exist, was deleted or has expired (all answer 404).</summary>
    public async Task<ImportJobState?> ReadAsync(string id, CancellationToken ct) =>
        await store.ReadJobAsync(id, ct) is { Kind: Kind } job
        && JsonSerializer.Deserialize<ImportJobState>(job.State) is { Status: not ImportJobState.Deleted } state
            ? state
            : null;

    /// <summary>The job for the client that started it (404 when unknown, 403 for another client).</summary>
    public async Task<ImportJobState> OwnAsync(string id, string owner, CancellationToken ct)
    {
        var state = await ReadAsync(id, ct) ?? throw FhirOutcomeException.NotFound($"There is no import job '{id}' (it may have been deleted or expired).");
        return state.Owner == owner ? state : throw FhirOutcomeException.Forbidden($"Import job {id} was started by another client.");
    }

    /// <summary>The error file of a finished job, for the client that started it (404 when the job rejected nothing).</summary>
    public async Task<string> ErrorFileAsync(string id, string file, string owner, CancellationToken ct)
    {
        var state = await OwnAsync(id, owner, ct);
        var path = Path.Combine(JobDirectory(id), ErrorFileName);
        return state.Status == ImportJobState.Completed && file == ErrorFileName && state.RejectedTotal > 0 && File.Exists(path)
            ? path
            : throw FhirOutcomeException.NotFound($"Import job {id} has no file '{file}'.");
    }

    /// <summary>DELETE: stops the job if it runs (the batches it committed stay), removes its files, and leaves a tombstone so it answers 404.</summary>
    public async System.Threading.Tasks.Task DeleteAsync(string id, string owner, CancellationToken ct)
    {
        var state = await OwnAsync(id, owner, ct);
        var tombstone = state with { Status = ImportJobState.Deleted, Finished = clock.GetUtcNow() };
        await SaveAsync(store, id, tombstone, ct);
        if (_running.TryGetValue(id, out var running))
        {
            await running.Cancel.CancelAsync();
            await running.Done.Task.WaitAsync(ct);
        }
        DeleteFiles(id);
        // Saved again: a batch that finished while the job was being stopped saved its checkpoint over the tombstone.
        var latest = await store.ReadJobAsync(id, ct) is { } job ? JsonSerializer.Deserialize<ImportJobState>(job.State) ?? state : state;
        await SaveAsync(store, id, latest with { Status = ImportJobState.Deleted, Finished = tombstone.Finished }, ct);
    }

    /// <summary>The background loop: resumes unfinished jobs, then runs queued ones, a bounded number at a time; expires old ones.</summary>
    public async System.Threading.Tasks.Task RunAsync(CancellationToken stopping)
    {
        foreach (var job in await store.ListJobsAsync(Kind, stopping))
            if (JsonSerializer.Deserialize<ImportJobState>(job.State) is { Status: ImportJobState.Running })
                _queue.Writer.TryWrite(job.Id);
        var workers = Enumerable.Range(0, options.MaxParallelJobs).Select(_ => WorkAsync(stopping)).ToList();
        workers.Add(ExpireAsync(stopping));
        try { await System.Threading.Tasks.Task.WhenAll(workers); }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
    }

    internal static System.Threading.Tasks.Task SaveAsync(IResourceStore store, string id, ImportJobState state, CancellationToken ct) =>
        store.SaveJobAsync(new JobRecord(id, Kind, JsonSerializer.Serialize(state)), ct);

    private async System.Threading.Tasks.Task WorkAsync(CancellationToken stopping)
    {
        await foreach (var id in _queue.Reader.ReadAllAsync(stopping))
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // Registered before the state is read, so a DELETE either sees the job running or the worker sees the tombstone.
            _running[id] = (cancel, done);
            try
            {
                if (await ReadAsync(id, stopping) is { Status: ImportJobState.Running } state)
                    await RunJobAsync(id, state, cancel.Token);
            }
            finally
            {
                _running.TryRemove(id, out _);
                done.TrySetResult();
            }
        }
    }

    private async System.Threading.Tasks.Task RunJobAsync(string id, ImportJobState state, CancellationToken ct)
    {
        // The job writes as the caller who started it: their scopes decide every write, as in a request.
        using var caller = callers.Use(state.Access);
        var runner = new ImportRunner(store, writer, sources, options, clock);
        try
        {
            var finished = await runner.RunAsync(id, state, JobDirectory(id), ct);
            await SaveAsync(store, id, finished, CancellationToken.None);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped by shutdown (resumed on the next start) or by DELETE (which removes the files itself).
        }
        catch (Exception e)
        {
            var latest = await ReadAsync(id, CancellationToken.None) ?? state;
            await SaveAsync(store, id, latest with { Status = ImportJobState.Failed, Finished = clock.GetUtcNow(), Error = e.Message }, CancellationToken.None);
        }
    }

    /// <summary>Deletes the files of jobs finished longer ago than the retention; the job then answers 404.</summary>
    private async System.Threading.Tasks.Task ExpireAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), clock);
        do
        {
            var cutoff = clock.GetUtcNow() - options.Retention;
            foreach (var job in await store.ListJobsAsync(Kind, stopping))
            {
                if (JsonSerializer.Deserialize<ImportJobState>(job.State) is not { Status: ImportJobState.Completed or ImportJobState.Failed, Finished: { } finished } state
                    || finished > cutoff) continue;
                DeleteFiles(job.Id);
                await SaveAsync(store, job.Id, state with { Status = ImportJobState.Deleted }, stopping);
            }
        } while (await timer.WaitForNextTickAsync(stopping));
    }

    private void DeleteFiles(string id)
    {
        var directory = JobDirectory(id);
        if (System.IO.Directory.Exists(directory)) System.IO.Directory.Delete(directory, recursive: true);
    }
}
