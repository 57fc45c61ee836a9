using System.Text.Json;
using FhirPortal.Storage;

namespace FhirPortal.Core.Sharing;

/// <summary>
/// Share links in the store's job table: server-owned records that no FHIR interaction reaches (a FHIR resource in
/// the patient's compartment could be read, changed or deleted through the API). Changes to one link are made one at
/// a time in this process (uses and passcode attempts are counted exactly); several instances can at worst each count
/// a concurrent use, as the job table has no compare-and-swap.
/// </summary>
public sealed class ShareLinkStore(IResourceStore store)
{
    private const string KindPrefix = "share-link:";
    // Striped: a bounded set of gates, a link always takes the same one.
    private readonly SemaphoreSlim[] _gates = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task<ShareLinkState?> ReadAsync(string id, CancellationToken ct) =>
        await store.ReadJobAsync(id, ct) is { } job && job.Kind.StartsWith(KindPrefix, StringComparison.Ordinal)
            ? JsonSerializer.Deserialize<ShareLinkState>(job.State)
            : null;

    /// <summary>The patient's links (id, state), newest first.</summary>
    public async Task<IReadOnlyList<(string Id, ShareLinkState State)>> ListAsync(string patient, CancellationToken ct) =>
        [.. (await store.ListJobsAsync(KindPrefix + patient, ct))
            .Select(j => (j.Id, State: JsonSerializer.Deserialize<ShareLinkState>(j.State)!))
            .OrderByDescending(l => l.State.Created)];

    public Task SaveAsync(string id, ShareLinkState state, CancellationToken ct) =>
        store.SaveJobAsync(new JobRecord(id, KindPrefix + state.Patient, JsonSerializer.Serialize(state)), ct);

    /// <summary>
    /// Reads the link, lets <paramref name="change"/> decide its new state (null: unchanged) and an answer, and saves,
    /// with no other change to the same link in between.
    /// </summary>
    public async Task<T> ChangeAsync<T>(string id, Func<ShareLinkState?, (ShareLinkState? State, T Answer)> change, CancellationToken ct)
    {
        var gate = _gates[(int)((uint)StringComparer.Ordinal.GetHashCode(id) % (uint)_gates.Length)];
        await gate.WaitAsync(ct);
        try
        {
            var (state, answer) = change(await ReadAsync(id, ct));
            if (state is not null) await SaveAsync(id, state, CancellationToken.None);
            return answer;
        }
        finally
        {
            gate.Release();
        }
    }
}
