using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;

namespace FhirPortal.Core.Operations.Export;

/// <summary>
/// Bulk Data export jobs (https://hl7.org/fhir/uv/bulkdata/export.html): persisted in the store's job table,
/// run in the background by at most <see cref="ExportOptions.MaxParallelJobs"/> workers, resumed after a restart,
/// cancelled (files removed) on DELETE, and expired after <see cref="ExportOptions.Retention"/>.
/// </summary>
public sealed class ExportJobs(IResourceStore store, ExportKickoff kickoff, ExportOptions options, TimeProvider clock, AccessPolicy policy, AccessAudit audit)
{
    public const string Kind = "export";
    public const string ErrorFileName = "errors.ndjson";

    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, (CancellationTokenSource Cancel, TaskCompletionSource Done)> _running = new();

    public string Directory => Path.GetFullPath(options.Directory ?? "export");

    /// <summary>Jobs waiting for a free worker (the <c>export</c> queue size in the metrics).</summary>
    public int Queued => _queue.Reader.Count;

    public string JobDirectory(string id) => Path.Combine(Directory, id);

    public async Task<string> StartAsync(ExportJobState state, CancellationToken ct)
    {
        var id = Guid.CreateVersion7().ToString("N");
        await SaveAsync(store, id, state, ct);
        _queue.Writer.TryWrite(id);
        return id;
    }

    /// <summary>The job, or null when it does not exist, was deleted or has expired (all answer 404).</summary>
    public async Task<ExportJobState?> ReadAsync(string id, CancellationToken ct) =>
        await store.ReadJobAsync(id, ct) is { Kind: Kind } job
        && JsonSerializer.Deserialize<ExportJobState>(job.State) is { Status: not ExportJobState.Deleted } state
            ? state
            : null;

    /// <summary>
    /// The path of one file of a finished job, for the client that started it (403 for another, 404 for a name the job
    /// did not write, so the route can never reach outside the job's folder). Each download is an audited access.
    /// </summary>
    public async Task<string> FileAsync(string id, string file, string owner, CancellationToken ct)
    {
        var state = await ReadAsync(id, ct);
        var type = state is { PatientRecords: false } ? null : "Patient";
        return await audit.RecordAsync("operation", type, $"$export-status/{id}/{file}", state?.Patients ?? [],
            () => System.Threading.Tasks.Task.FromResult(FilePath(id, state, file, owner)), _ => []);
    }

    private string FilePath(string id, ExportJobState? state, string file, string owner)
    {
        if (state is null) throw FhirOutcomeException.NotFound($"There is no export job '{id}' (it may have been deleted or expired).");
        if (state.Owner != owner)
            throw FhirOutcomeException.Single(403, Hl7.Fhir.Model.OperationOutcome.IssueType.Forbidden, $"Export job {id} was started by another client.");
        var known = state.Status == ExportJobState.Completed && (state.Files.Any(f => f.Name == file) || file == ErrorFileName);
        var path = Path.Combine(JobDirectory(id), file);
        return known && File.Exists(path) ? path : throw FhirOutcomeException.NotFound($"Export job {id} has no file '{file}'.");
    }

    /// <summary>DELETE: stops the job if it runs, removes its files, and leaves a tombstone so it answers 404.</summary>
    public async Task DeleteAsync(string id, ExportJobState state, CancellationToken ct)
    {
        var tombstone = state with { Status = ExportJobState.Deleted, Finished = clock.GetUtcNow() };
        await SaveAsync(store, id, tombstone, ct);
        if (_running.TryGetValue(id, out var running))
        {
            await running.Cancel.CancelAsync();
            await running.Done.Task.WaitAsync(ct);
        }
        DeleteFiles(id);
        // Saved again: a page that finished while the job was being stopped may have written its progress.
        await SaveAsync(store, id, tombstone, ct);
    }

    /// <summary>The background loop: resumes unfinished jobs, then runs queued ones, a bounded number at a time; expires old ones.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        foreach (var job in await store.ListJobsAsync(Kind, stopping))
            if (JsonSerializer.Deserialize<ExportJobState>(job.State) is { Status: ExportJobState.Running })
                _queue.Writer.TryWrite(job.Id);
        var workers = Enumerable.Range(0, options.MaxParallelJobs).Select(_ => WorkAsync(stopping)).ToList();
        workers.Add(ExpireAsync(stopping));
        try { await Task.WhenAll(workers); }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
    }

    internal static Task SaveAsync(IResourceStore store, string id, ExportJobState state, CancellationToken ct) =>
        store.SaveJobAsync(new JobRecord(id, Kind, JsonSerializer.Serialize(state)), ct);

    private async Task WorkAsync(CancellationToken stopping)
    {
        await foreach (var id in _queue.Reader.ReadAllAsync(stopping))
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // Registered before the state is read, so a DELETE either sees the job running or the worker sees the tombstone.
            _running[id] = (cancel, done);
            try
            {
                if (await ReadAsync(id, stopping) is { Status: ExportJobState.Running } state)
                    await RunJobAsync(id, state, cancel.Token);
            }
            finally
            {
                _running.TryRemove(id, out _);
                done.TrySetResult();
            }
        }
    }

    private async Task RunJobAsync(string id, ExportJobState state, CancellationToken ct)
    {
        var runner = new ExportRunner(store, kickoff, options, clock, policy);
        try
        {
            var finished = await runner.RunAsync(id, state, JobDirectory(id), ct);
            await WriteWarningsAsync(id, finished.Warnings, ct);
            await SaveAsync(store, id, finished, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped by shutdown (resumed on the next start) or by DELETE (which removes the files itself).
        }
        catch (Exception e)
        {
            var latest = await ReadAsync(id, CancellationToken.None) ?? state;
            await SaveAsync(store, id, latest with { Status = ExportJobState.Failed, Finished = clock.GetUtcNow(), Error = e.Message }, CancellationToken.None);
        }
    }

    /// <summary>Kick-off warnings become the manifest's error file: one OperationOutcome per line.</summary>
    private async Task WriteWarningsAsync(string id, IReadOnlyList<string> warnings, CancellationToken ct)
    {
        if (warnings.Count == 0) return;
        await using var file = File.Create(Path.Combine(JobDirectory(id), ErrorFileName));
        foreach (var warning in warnings)
        {
            var outcome = Outcomes.Issue(Hl7.Fhir.Model.OperationOutcome.IssueSeverity.Warning, Hl7.Fhir.Model.OperationOutcome.IssueType.NotFound, warning, null);
            await file.WriteAsync(FhirSerializer.ToJsonBytes(outcome, pretty: false, filter: null), ct);
            file.WriteByte((byte)'\n');
        }
    }

    /// <summary>Deletes the files of jobs finished longer ago than the retention; the job then answers 404.</summary>
    private async Task ExpireAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), clock);
        do
        {
            var cutoff = clock.GetUtcNow() - options.Retention;
            foreach (var job in await store.ListJobsAsync(Kind, stopping))
            {
                if (JsonSerializer.Deserialize<ExportJobState>(job.State) is not { Status: ExportJobState.Completed or ExportJobState.Failed, Finished: { } finished } state
                    || finished > cutoff) continue;
                DeleteFiles(job.Id);
                await SaveAsync(store, job.Id, state with { Status = ExportJobState.Deleted }, stopping);
            }
        } while (await timer.WaitForNextTickAsync(stopping));
    }

    private void DeleteFiles(string id)
    {
        var directory = JobDirectory(id);
        if (System.IO.Directory.Exists(directory)) System.IO.Directory.Delete(directory, recursive: true);
    }
}
