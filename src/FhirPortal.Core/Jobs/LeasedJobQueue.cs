using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using FhirPortal.Storage;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Core.Jobs;

/// <summary>
/// Runs one kind of background job on exactly one of the server instances sharing a store: a job is run only under a
/// lease (<see cref="LeasedJob{T}"/>) renewed at half its duration. The instance that starts a job leases it at once
/// and queues it here; every instance also polls the store for runnable jobs whose lease ran out (their instance died)
/// and claims them, so a job moves on within the lease duration plus the poll interval. A shutdown gives its leases up.
/// </summary>
public sealed class LeasedJobQueue<T>(IResourceStore store, JobLeasing leasing, string kind, int workers, ILogger logger)
    where T : class, ILeasedJobState
{
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();
    // Jobs queued or running here, so a poll does not queue them twice.
    private readonly ConcurrentDictionary<string, byte> _here = new();
    private readonly ConcurrentDictionary<string, (CancellationTokenSource Cancel, TaskCompletionSource Done)> _running = new();

    /// <summary>Jobs waiting for a free worker here.</summary>
    public int Queued => _queue.Reader.Count;

    /// <summary>Saves a new job, leased to this instance, and queues it here.</summary>
    public async Task<string> StartAsync(T state, CancellationToken ct)
    {
        var id = Guid.CreateVersion7().ToString("N");
        var json = JsonSerializer.SerializeToNode(state)!.AsObject();
        json["Lease"] = JsonSerializer.SerializeToNode(leasing.NewLease());
        _ = await store.TrySaveJobAsync(new JobRecord(id, kind, json.ToJsonString()), ct)
            ?? throw new InvalidOperationException($"A {kind} job {id} exists already.");
        Enqueue(id);
        return id;
    }

    /// <summary>
    /// Changes a job whoever runs it (e.g. marks it cancelled), by compare-and-swap until it sticks: it wins over the
    /// owner, whose next save then fails so it stops. A run on this instance is stopped and awaited. Null when there is no such job.
    /// </summary>
    public async Task<T?> ChangeAsync(string id, Func<T, T> change, CancellationToken ct)
    {
        T changed;
        while (true)
        {
            if (await store.ReadJobAsync(id, ct) is not { } record || record.Kind != kind) return null;
            changed = change(JsonSerializer.Deserialize<T>(record.State)!);
            if (await store.TrySaveJobAsync(record with { State = JsonSerializer.Serialize(changed) }, ct) is not null) break;
        }
        if (_running.TryGetValue(id, out var running))
        {
            await running.Cancel.CancelAsync();
            await running.Done.Task.WaitAsync(ct);
        }
        return changed;
    }

    /// <summary>
    /// The workers and the poll for orphaned jobs, until <paramref name="stopping"/>. <paramref name="run"/> runs one
    /// claimed job; <paramref name="discard"/> removes the files of a job this instance ran that was cancelled.
    /// </summary>
    public async Task RunAsync(Func<LeasedJob<T>, CancellationToken, Task> run, Action<string> discard, CancellationToken stopping)
    {
        var tasks = Enumerable.Range(0, workers).Select(_ => WorkAsync(run, discard, stopping)).Append(PollAsync(stopping));
        try { await Task.WhenAll(tasks); }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
    }

    private void Enqueue(string id)
    {
        if (_here.TryAdd(id, 0)) _queue.Writer.TryWrite(id);
    }

    /// <summary>Queues every runnable job nobody holds a live lease on: new ones and those whose instance died.</summary>
    private async Task PollAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(leasing.Options.PollInterval, leasing.Clock);
        do
        {
            try
            {
                foreach (var job in await store.ListJobsAsync(kind, stopping))
                    if (!_here.ContainsKey(job.Id) && JsonSerializer.Deserialize<T>(job.State) is { Runnable: true } state && leasing.Claimable(state.Lease))
                        Enqueue(job.Id);
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                logger.LogWarning(e, "Looking for {Kind} jobs to take over failed; trying again at the next poll", kind);
            }
        } while (await timer.WaitForNextTickAsync(stopping));
    }

    private async Task WorkAsync(Func<LeasedJob<T>, CancellationToken, Task> run, Action<string> discard, CancellationToken stopping)
    {
        await foreach (var id in _queue.Reader.ReadAllAsync(stopping))
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // Registered before the claim, so a cancel either finds the run here or the claim finds the job cancelled.
            _running[id] = (cancel, done);
            try
            {
                if (await ClaimAsync(id, stopping) is { } job)
                    await RunLeasedAsync(job, run, discard, cancel, stopping);
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                logger.LogError(e, "The {Kind} job {Id} could not be run here", kind, id);
            }
            finally
            {
                _running.TryRemove(id, out _);
                _here.TryRemove(id, out _);
                done.TrySetResult();
            }
        }
    }

    /// <summary>The job with its lease taken by this instance, or null when it has nothing to do or another instance holds it.</summary>
    private async Task<LeasedJob<T>?> ClaimAsync(string id, CancellationToken ct)
    {
        if (await store.ReadJobAsync(id, ct) is not { } record || record.Kind != kind) return null;
        var json = JsonNode.Parse(record.State)!.AsObject();
        var state = json.Deserialize<T>()!;
        if (!state.Runnable || !leasing.Claimable(state.Lease)) return null;
        var job = new LeasedJob<T>(store, leasing, id, kind, record.Version, json, state);
        try
        {
            await job.RenewAsync();
            return job;
        }
        catch (JobLeaseLostException)
        {
            return null; // another instance claimed it first
        }
    }

    private async Task RunLeasedAsync(LeasedJob<T> job, Func<LeasedJob<T>, CancellationToken, Task> run, Action<string> discard,
        CancellationTokenSource cancel, CancellationToken stopping)
    {
        using var renewing = new CancellationTokenSource();
        var renewals = RenewAsync(job, cancel, renewing.Token);
        try
        {
            await run(job, cancel.Token);
        }
        finally
        {
            await renewing.CancelAsync();
            await renewals;
            if (job.Lost && (await store.ReadJobAsync(job.Id, CancellationToken.None) is { } record
                             && JsonSerializer.Deserialize<T>(record.State) is { Cancelled: true }))
                discard(job.Id);
            else if (stopping.IsCancellationRequested)
                await job.ReleaseAsync();
        }
    }

    /// <summary>Renews the lease at half its duration while the job runs; when it was lost, the run is stopped.</summary>
    private async Task RenewAsync(LeasedJob<T> job, CancellationTokenSource run, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(leasing.Options.LeaseDuration / 2, leasing.Clock, ct);
                await job.RenewAsync();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (JobLeaseLostException)
            {
                await run.CancelAsync();
                return;
            }
            catch (Exception e)
            {
                // A store hiccup: the next renewal may get through; the run checks its lease before it writes.
                logger.LogWarning(e, "Renewing the lease of {Kind} job {Id} failed", kind, job.Id);
            }
        }
    }
}
