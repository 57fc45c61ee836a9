using System.Text.Json;
using FhirPortal.Storage;

namespace FhirPortal.Core.Sharing;

/// <summary>
/// Share links in the store's job table: server-owned records that no FHIR interaction reaches (a FHIR resource in
/// the patient's compartment could be read, changed or deleted through the API). Changes to one link are made one at
/// a time in this process (uses and passcode attempts are counted exactly). The job table has no compare-and-swap, so
/// another instance may write back a link it read before a revocation; a revocation is therefore also kept as its
/// own record that only revocation writes, and every read applies it.
/// </summary>
public sealed class ShareLinkStore(IResourceStore store)
{
    private const string KindPrefix = "share-link:";
    private const string RevokedKindPrefix = "share-link-revoked:";
    // Striped: a bounded set of gates, a link always takes the same one.
    private readonly SemaphoreSlim[] _gates = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task<ShareLinkState?> ReadAsync(string id, CancellationToken ct)
    {
        if (await store.ReadJobAsync(id, ct) is not { } job || !job.Kind.StartsWith(KindPrefix, StringComparison.Ordinal)) return null;
        var state = JsonSerializer.Deserialize<ShareLinkState>(job.State)!;
        return await store.ReadJobAsync(RevocationId(id), ct) is { } revocation ? Revoke(state, revocation) : state;
    }

    /// <summary>The patient's links (id, state), newest first.</summary>
    public async Task<IReadOnlyList<(string Id, ShareLinkState State)>> ListAsync(string patient, CancellationToken ct)
    {
        var revocations = (await store.ListJobsAsync(RevokedKindPrefix + patient, ct)).ToDictionary(j => j.Id, StringComparer.Ordinal);
        return [.. (await store.ListJobsAsync(KindPrefix + patient, ct))
            .Select(j => (j.Id, State: JsonSerializer.Deserialize<ShareLinkState>(j.State)!))
            .Select(l => revocations.TryGetValue(RevocationId(l.Id), out var revocation) ? (l.Id, State: Revoke(l.State, revocation)) : l)
            .OrderByDescending(l => l.State.Created)];
    }

    public Task SaveAsync(string id, ShareLinkState state, CancellationToken ct) =>
        store.SaveJobAsync(new JobRecord(id, KindPrefix + state.Patient, JsonSerializer.Serialize(state)), ct);

    /// <summary>
    /// Reads the link, lets <paramref name="change"/> decide its new state (null: unchanged) and an answer, and saves,
    /// with no other change to the same link in between (in this process).
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

    /// <summary>Records that a revoked link (<see cref="ShareLinkState.Revoked"/> set) stays revoked, whatever later writes its link record.</summary>
    public Task KeepRevokedAsync(string id, ShareLinkState revoked, CancellationToken ct) =>
        store.SaveJobAsync(new JobRecord(RevocationId(id), RevokedKindPrefix + revoked.Patient,
            JsonSerializer.Serialize(revoked.Revoked ?? throw new ArgumentException("The link is not revoked.", nameof(revoked)))), ct);

    /// <summary>
    /// Every patient's links (for the purge), with their record's version and any revocation applied, and the
    /// revocation records whose link record is gone (left by a purge that stopped between its two deletes).
    /// </summary>
    public async Task<(IReadOnlyList<StoredShareLink> Links, IReadOnlyList<JobRecord> LoneRevocations)> ListEveryAsync(CancellationToken ct)
    {
        var records = await store.ListJobsByKindPrefixAsync(KindPrefix, ct);
        var revocations = (await store.ListJobsByKindPrefixAsync(RevokedKindPrefix, ct)).ToDictionary(j => j.Id, StringComparer.Ordinal);
        var links = records.Select(j =>
        {
            var state = JsonSerializer.Deserialize<ShareLinkState>(j.State)!;
            var revoked = revocations.Remove(RevocationId(j.Id), out var revocation) ? Revoke(state, revocation) : state;
            return new StoredShareLink(j.Id, revoked, j.Version);
        }).ToList();
        return (links, [.. revocations.Values]);
    }

    /// <summary>
    /// Removes a link for good if its record is unchanged since <see cref="ListEveryAsync"/>: the record, then its
    /// revocation (a revocation must outlive the record it overrides). False when another purger or a write was first.
    /// </summary>
    public async Task<bool> DeleteAsync(StoredShareLink link, CancellationToken ct)
    {
        if (!await store.DeleteJobAsync(link.Id, link.Version, ct)) return false;
        await store.DeleteJobAsync(RevocationId(link.Id), null, CancellationToken.None);
        return true;
    }

    /// <summary>Removes a revocation record whose link record is already gone.</summary>
    public Task DeleteRevocationAsync(JobRecord revocation, CancellationToken ct) => store.DeleteJobAsync(revocation.Id, revocation.Version, ct);

    /// <summary>When a lone revocation record (from <see cref="ListEveryAsync"/>) revoked its link.</summary>
    public static DateTimeOffset RevokedAt(JobRecord revocation) => JsonSerializer.Deserialize<DateTimeOffset>(revocation.State);

    /// <summary>Drops file locations past their expiry from a link's record, unless the record changed since it was listed.</summary>
    public Task DropExpiredTicketsAsync(StoredShareLink link, DateTimeOffset now, CancellationToken ct) =>
        store.TrySaveJobAsync(new JobRecord(link.Id, KindPrefix + link.State.Patient,
            JsonSerializer.Serialize(link.State with { Tickets = [.. link.State.Tickets.Where(t => t.Expires > now)] }), link.Version), ct);

    private static string RevocationId(string id) => id + ":revoked";

    private static ShareLinkState Revoke(ShareLinkState state, JobRecord revocation) =>
        state.Revoked is not null ? state : state with { Revoked = JsonSerializer.Deserialize<DateTimeOffset>(revocation.State), Tickets = [] };
}

/// <summary>A link's record as <see cref="ShareLinkStore.ListEveryAsync"/> found it: its id, state and the record's version.</summary>
public sealed record StoredShareLink(string Id, ShareLinkState State, string? Version);
