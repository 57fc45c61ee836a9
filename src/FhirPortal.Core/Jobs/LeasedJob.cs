using System.Text.Json;
using System.Text.Json.Nodes;
using FhirPortal.Storage;

namespace FhirPortal.Core.Jobs;

/// <summary>
/// A job this instance holds the lease of. Every save (progress checkpoint, renewal, final state) is one
/// compare-and-swap of the job record that also extends the lease; when the record changed underneath (another
/// instance took the job over after the lease ran out, or it was cancelled) the save writes nothing and throws
/// <see cref="JobLeaseLostException"/>, so a stale owner never overwrites the new owner's state.
/// </summary>
public sealed class LeasedJob<T> where T : class, ILeasedJobState
{
    private readonly IResourceStore _store;
    private readonly JobLeasing _leasing;
    private readonly string _kind;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _version;
    // The state as last saved, as JSON: a renewal saves exactly that again (the runner may be changing its objects).
    private JsonObject _saved;
    private JobLease? _lease;
    private bool _finished;

    internal LeasedJob(IResourceStore store, JobLeasing leasing, string id, string kind, string? version, JsonObject saved, T state)
    {
        (_store, _leasing, _kind, _version, _saved) = (store, leasing, kind, version, saved);
        Id = id;
        State = state;
    }

    public string Id { get; }

    /// <summary>The state the job was claimed with: where the run starts.</summary>
    public T State { get; }

    /// <summary>Whether a save found the job changed by someone else: the run must stop and write nothing more.</summary>
    public bool Lost { get; private set; }

    /// <summary>Saves the job's progress (or final state) and renews the lease; throws <see cref="JobLeaseLostException"/> when the job is no longer this instance's.</summary>
    public Task SaveAsync(T state)
    {
        var json = JsonSerializer.SerializeToNode(state)!.AsObject();
        return SaveAsync(json, _leasing.NewLease(), finished: !state.Runnable);
    }

    /// <summary>Extends the lease, saving the last saved state again.</summary>
    public Task RenewAsync() => SaveAsync(_saved, _leasing.NewLease(), _finished);

    /// <summary>
    /// Throws <see cref="JobLeaseLostException"/> when the lease was lost or may have run out (no renewal got through in
    /// time): another instance may already run the job, so this one must not write files it shares.
    /// </summary>
    public void EnsureHeld()
    {
        if (Lost || _lease is null || _lease.Expires <= _leasing.Clock.GetUtcNow()) throw new JobLeaseLostException(Id);
    }

    /// <summary>Gives the lease up (at shutdown) so another instance, or this one after a restart, resumes the job at once.</summary>
    internal async Task ReleaseAsync()
    {
        if (_finished || Lost) return;
        try { await SaveAsync(_saved, null, finished: false); }
        catch (JobLeaseLostException) { }
    }

    private async Task SaveAsync(JsonObject state, JobLease? lease, bool finished)
    {
        await _gate.WaitAsync();
        try
        {
            if (Lost) throw new JobLeaseLostException(Id);
            state["Lease"] = lease is null ? null : JsonSerializer.SerializeToNode(lease);
            // Not cancellable: a save that might have happened but was not confirmed would lose the lease.
            var version = await _store.TrySaveJobAsync(new JobRecord(Id, _kind, state.ToJsonString(), _version), CancellationToken.None);
            if (version is null)
            {
                Lost = true;
                throw new JobLeaseLostException(Id);
            }
            (_version, _saved, _lease, _finished) = (version, state, lease, finished);
        }
        finally
        {
            _gate.Release();
        }
    }
}
