using System.Text.Json;
using FhirPortal.Storage;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Core.Sharing;

/// <summary>
/// Share links in the store's job table: server-owned records that no FHIR interaction reaches (a FHIR resource in
/// the patient's compartment could be read, changed or deleted through the API). A change is saved only over the
/// version it read (compare-and-swap), so uses and passcode attempts count exactly across instances and a purged link
/// is never written back. A revocation is also kept as its own record that every read applies (belt and braces for
/// records written before the compare-and-swap).
/// </summary>
public sealed class ShareLinkStore(IResourceStore store, ILogger<ShareLinkStore> logger)
{
    /// <summary>
    /// Rounds after which a change gives up (503). A round is lost only when another instance's change won it, so
    /// this bounds how many changes by others one change waits through.
    /// </summary>
    private const int MaxRounds = 64;
    private const string KindPrefix = "share-link:";
    private const string RevokedKindPrefix = "share-link-revoked:";
    // Striped: a bounded set of gates, a link always takes the same one.
    private readonly SemaphoreSlim[] _gates = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task<ShareLinkState?> ReadAsync(string id, CancellationToken ct) => (await ReadRecordAsync(id, ct)).State;

    /// <summary>The link's state (revocation applied) and the version of its record, or nulls when there is none.</summary>
    private async Task<(ShareLinkState? State, string? Version)> ReadRecordAsync(string id, CancellationToken ct)
    {
        if (await store.ReadJobAsync(id, ct) is not { } job || !job.Kind.StartsWith(KindPrefix, StringComparison.Ordinal)) return (null, null);
        var state = JsonSerializer.Deserialize<ShareLinkState>(job.State)!;
        return (await store.ReadJobAsync(RevocationId(id), ct) is { } revocation ? Revoke(state, revocation) : state, job.Version);
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
    /// Reads the link, lets <paramref name="change"/> decide its new state (null: unchanged) and an answer, and saves it
    /// only over the version read: when another instance changed it first, reads again and asks <paramref name="change"/>
    /// again; when the record is gone (purged), <paramref name="change"/> gets null and nothing is saved.
    /// </summary>
    public async Task<T> ChangeAsync<T>(string id, Func<ShareLinkState?, (ShareLinkState? State, T Answer)> change, CancellationToken ct)
    {
        // The gate keeps this process's own changes from racing each other (no lost rounds among them).
        var gate = _gates[(int)((uint)StringComparer.Ordinal.GetHashCode(id) % (uint)_gates.Length)];
        await gate.WaitAsync(ct);
        try
        {
            for (var round = 0; round < MaxRounds; round++)
            {
                var (read, version) = await ReadRecordAsync(id, ct);
                var (state, answer) = change(read);
                if (state is null || read is null) return answer;
                var saved = await store.TrySaveJobAsync(
                    new JobRecord(id, KindPrefix + state.Patient, JsonSerializer.Serialize(state), version), CancellationToken.None);
                if (saved is not null) return answer;
            }
            throw FhirOutcomeException.Single(503, Hl7.Fhir.Model.OperationOutcome.IssueType.Transient,
                "This share link is being changed by many requests at once; try again.");
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
    /// revocation records whose link record is gone (left by a purge that stopped between its two deletes). One
    /// listing in memory (the store has no paged job listing): bounded by the links kept, at most
    /// <see cref="ShareLinkOptions.MaxLinksPerPatient"/> per patient. A record that cannot be read is logged and skipped,
    /// so it never stops the purge of the others.
    /// </summary>
    public async Task<(IReadOnlyList<StoredShareLink> Links, IReadOnlyList<JobRecord> LoneRevocations)> ListEveryAsync(CancellationToken ct)
    {
        var records = await store.ListJobsByKindPrefixAsync(KindPrefix, ct);
        var revocations = (await store.ListJobsByKindPrefixAsync(RevokedKindPrefix, ct))
            .Where(j => TryDeserialize<DateTimeOffset>(j, out _)).ToDictionary(j => j.Id, StringComparer.Ordinal);
        var links = new List<StoredShareLink>(records.Count);
        foreach (var j in records)
        {
            if (!TryDeserialize<ShareLinkState>(j, out var state) || state is null) continue;
            var revoked = revocations.Remove(RevocationId(j.Id), out var revocation) ? Revoke(state, revocation) : state;
            links.Add(new StoredShareLink(j.Id, revoked, j.Version));
        }
        return (links, [.. revocations.Values]);
    }

    private bool TryDeserialize<T>(JobRecord job, out T? value)
    {
        try
        {
            value = JsonSerializer.Deserialize<T>(job.State);
            return true;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException)
        {
            logger.LogError(e, "Share link record {Id} ({Kind}) cannot be read; the purge skips it", job.Id, job.Kind);
            value = default;
            return false;
        }
    }

    /// <summary>
    /// Removes a link for good if its record is unchanged since <see cref="ListEveryAsync"/>: the record, then its
    /// revocation (a revocation must outlive the record it overrides). False when another purger or a write was first.
    /// True once the link record is gone, even when the revocation's delete fails: the lone-revocation sweep of a later
    /// run removes it.
    /// </summary>
    public async Task<bool> DeleteAsync(StoredShareLink link, CancellationToken ct)
    {
        if (!await store.DeleteJobAsync(link.Id, link.Version, ct)) return false;
        try
        {
            await store.DeleteJobAsync(RevocationId(link.Id), null, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "The revocation record of purged share link {Id} stays until the next purge", link.Id);
        }
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
