using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using System.Text.Json;
using FhirPortal.Core.Jobs;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Core.Operations.Export;

/// <summary>
/// Bulk Data export jobs (https://hl7.org/fhir/uv/bulkdata/export.html): persisted in the store's job table,
/// run in the background by at most <see cref="ExportOptions.MaxParallelJobs"/> workers per instance, each job on one
/// instance under a lease (<see cref="LeasedJobQueue{T}"/>: taken over when its instance dies, resumed after a
/// restart), cancelled (files removed) on DELETE, and expired after <see cref="ExportOptions.Retention"/>.
/// </summary>
public sealed class ExportJobs(IResourceStore store, ExportKickoff kickoff, ExportOptions options, TimeProvider clock, AccessPolicy policy, AccessAudit audit,
    JobLeasing leasing, ILogger<ExportJobs> logger)
{
    public const string Kind = "export";
    public const string ErrorFileName = "errors.ndjson";

    private readonly LeasedJobQueue<ExportJobState> _jobs = new(store, leasing, Kind, options.MaxParallelJobs, logger);
    private readonly JobFolders<ExportJobState> _folders = new(store, Kind, options.Directory ?? "export", options.Retention, clock, logger);

    public string Directory => _folders.Directory;

    /// <summary>Jobs waiting for a free worker (the <c>export</c> queue size in the metrics).</summary>
    public int Queued => _jobs.Queued;

    public string JobDirectory(string id) => _folders.Of(id);

    public Task<string> StartAsync(ExportJobState state, CancellationToken ct) => _jobs.StartAsync(state, ct);

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

    /// <summary>
    /// DELETE: leaves a tombstone so the job answers 404 (it wins over the instance running the job: that one's next
    /// checkpoint fails, and it stops and removes the files too), stops it if it runs here, and removes its files.
    /// </summary>
    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        var finished = clock.GetUtcNow();
        await _jobs.ChangeAsync(id, state => state with { Status = ExportJobState.Deleted, Finished = finished }, ct);
        _folders.Delete(id);
    }

    /// <summary>The background loop: runs jobs leased to this instance, a bounded number at a time, and expires old ones.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        try { await Task.WhenAll(_jobs.RunAsync(RunJobAsync, _folders.Delete, stopping), _folders.ExpireAsync(stopping)); }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
    }

    private async Task RunJobAsync(LeasedJob<ExportJobState> job, CancellationToken ct)
    {
        var runner = new ExportRunner(store, kickoff, options, clock, policy);
        try
        {
            var finished = await runner.RunAsync(job, JobDirectory(job.Id), ct);
            job.EnsureHeld();
            await WriteWarningsAsync(job.Id, finished.Warnings, ct);
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
            try { await job.SaveAsync(latest with { Status = ExportJobState.Failed, Finished = clock.GetUtcNow(), Error = e.Message }); }
            catch (JobLeaseLostException) { }
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
}
