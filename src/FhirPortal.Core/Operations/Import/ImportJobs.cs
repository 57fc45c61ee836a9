using System.Text.Json;
using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Core.Jobs;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Core.Operations.Import;

/// <summary>
/// Bulk Data import jobs (<c>$import</c>, the Microsoft FHIR server's Parameters shape): persisted in the store's job
/// table, run in the background with the kick-off caller's access by at most <see cref="ImportOptions.MaxParallelJobs"/>
/// workers per instance, each job on one instance under a lease (<see cref="LeasedJobQueue{T}"/>: taken over when its
/// instance dies, resumed after a restart), stopped on DELETE (what was committed stays), and expired after
/// <see cref="ImportOptions.Retention"/>.
/// </summary>
public sealed class ImportJobs(IResourceStore store, ImportKickoff kickoff, ImportWriter writer, ImportSources sources, ImportOptions options,
    TimeProvider clock, CallerContext callers, AccessAudit audit, JobLeasing leasing, ILogger<ImportJobs> logger)
{
    public const string Kind = "import";
    public const string ErrorFileName = "errors.ndjson";

    private readonly LeasedJobQueue<ImportJobState> _jobs = new(store, leasing, Kind, options.MaxParallelJobs, logger);
    private readonly JobFolders<ImportJobState> _folders = new(store, Kind, options.Directory ?? "import-jobs", options.Retention, clock, logger);

    public string Directory => _folders.Directory;

    /// <summary>Jobs waiting for a free worker.</summary>
    public int Queued => _jobs.Queued;

    public string JobDirectory(string id) => _folders.Of(id);

    /// <summary>Checks the request (403 without a bulk-write scope, 400 for an input it may not read), records the kick-off in the access audit, and queues the job.</summary>
    public async Task<string> StartAsync(Parameters? parameters, string owner, string requestUrl, CancellationToken ct)
    {
        var access = callers.Current;
        var state = await audit.RecordAsync("operation", null, requestUrl, [],
            () => kickoff.ParseAsync(parameters, owner, requestUrl, access, ct), _ => []);
        return await _jobs.StartAsync(state, ct);
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

    /// <summary>
    /// DELETE: leaves a tombstone so the job answers 404 (it wins over the instance running the job: that one's next
    /// checkpoint fails and it stops; the batches it committed stay), stops it if it runs here, and removes its files.
    /// </summary>
    public async System.Threading.Tasks.Task DeleteAsync(string id, string owner, CancellationToken ct)
    {
        await OwnAsync(id, owner, ct);
        var finished = clock.GetUtcNow();
        await _jobs.ChangeAsync(id, state => state with { Status = ImportJobState.Deleted, Finished = finished }, ct);
        _folders.Delete(id);
    }

    /// <summary>The background loop: runs jobs leased to this instance, a bounded number at a time, and expires old ones.</summary>
    public async System.Threading.Tasks.Task RunAsync(CancellationToken stopping)
    {
        try { await System.Threading.Tasks.Task.WhenAll(_jobs.RunAsync(RunJobAsync, _folders.Delete, stopping), _folders.ExpireAsync(stopping)); }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
    }

    private async System.Threading.Tasks.Task RunJobAsync(LeasedJob<ImportJobState> job, CancellationToken ct)
    {
        // The job writes as the caller who started it: their scopes decide every write, as in a request.
        using var caller = callers.Use(job.State.Access);
        var runner = new ImportRunner(writer, sources, options, clock);
        try
        {
            var finished = await runner.RunAsync(job, JobDirectory(job.Id), ct);
            await job.SaveAsync(finished);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped by shutdown (the lease is given up), by DELETE (which removes the files) or by a lost lease.
        }
        catch (JobLeaseLostException)
        {
            // Another instance runs the job now, or it was cancelled (the queue then removes the files).
        }
        catch (Exception e)
        {
            var latest = await ReadAsync(job.Id, CancellationToken.None) ?? job.State;
            try { await job.SaveAsync(latest with { Status = ImportJobState.Failed, Finished = clock.GetUtcNow(), Error = e.Message }); }
            catch (JobLeaseLostException) { }
        }
    }
}
