using System.Collections.Concurrent;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core;

/// <summary>
/// The CPU work of a Bundle's writes (validation, and for a transaction also indexing and serialisation) done ahead,
/// in parallel over the entries (at most <see cref="Environment.ProcessorCount"/> at once), for the sequential plan to
/// take when it stages the same resource object. What the plan stages is still decided entry by entry in the
/// spec's order: a prepared version is used only if it has the id, version, method and time the plan stages; an entry
/// whose preparation failed is prepared again at its turn, so errors, their order and their text stay the sequential
/// path's. A prepared result is used only while the conformance resources and search parameters it was computed
/// against are unchanged (<see cref="VersionFactory.Stamp"/>): in a batch an earlier entry's commit may add a profile,
/// ValueSet or SearchParameter that a later entry's validation or index values depend on.
/// </summary>
internal sealed class PreparedVersions(VersionFactory versions)
{
    /// <summary>A resource to prepare as the version with id <paramref name="Id"/>.</summary>
    /// <param name="ReadCurrent">Whether the stored version decides the version number (updates); creates start at 1.</param>
    /// <param name="Checked">The caller has already run the checks (or chose to skip validation: $import); only the version is built.</param>
    /// <param name="Current">The stored version the caller already read (its unit's); when given, the store is not read again.</param>
    /// <param name="Source">The JSON the resource was parsed from without any issue ($import's line), stored with the new meta (<see cref="VersionFactory.Build"/>).</param>
    public sealed record Candidate(Resource Resource, string Id, bool ReadCurrent, bool Checked = false, StoredResource? Current = null, ReadOnlyMemory<byte>? Source = null);

    private sealed record Prepared((long, long) Stamp, OperationOutcome? Warnings, ResourceWrite? Write, string? Id, int VersionId, WriteMethod Method, DateTimeOffset Now);

    private readonly ConcurrentDictionary<Resource, Prepared> _prepared = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Prepares whole versions (a transaction: ids are decided and references rewritten before this runs) in parallel;
    /// one that fails (invalid, unreadable) is left to the plan.
    /// </summary>
    public Task PrepareAsync(IEnumerable<Candidate> candidates, IResourceStore store, DateTimeOffset now, CancellationToken ct) =>
        InParallelAsync(candidates.Select(c => (c.Resource, c)), (c, token) => PrepareAsync(c, store, now, token), ct);

    /// <summary>Runs only the checks (validation) of resources in parallel (a batch: each entry commits on its own, at its own time).</summary>
    public Task CheckAsync(IEnumerable<Resource> resources, CancellationToken ct) =>
        InParallelAsync(resources.Select(r => (r, r)),
            (r, _) =>
            {
                var stamp = versions.Stamp;
                return ValueTask.FromResult(new Prepared(stamp, versions.Check(r), null, null, 0, WriteMethod.Create, default));
            }, ct);

    private async Task InParallelAsync<T>(IEnumerable<(Resource Resource, T Item)> work, Func<T, CancellationToken, ValueTask<Prepared>> prepare, CancellationToken ct)
    {
        // The same object twice would be changed by two threads at once (Build sets id and meta while it works).
        var distinct = work.DistinctBy(w => w.Resource, ReferenceEqualityComparer.Instance).ToList();
        // A single entry gains nothing from running ahead, unless its checks were done by the caller ($import): prepared,
        // it is not checked again at its turn.
        if (distinct.Count == 0 || (distinct.Count == 1 && distinct[0].Item is not PreparedVersions.Candidate { Checked: true })) return;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct };
        await Parallel.ForEachAsync(distinct, options, async (w, token) =>
        {
            try
            {
                _prepared[w.Resource] = await prepare(w.Item, token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Not remembered: the plan runs this entry's checks again at its turn and reports the error as it always has.
            }
        });
    }

    /// <summary>
    /// The version the plan stages: the prepared one when it matches, else built now (reusing a prepared validation
    /// result: it depends only on the resource's content, which the plan does not change after preparation, and on
    /// the stamp, which is compared). Under a changed stamp everything is done again, as on the sequential path.
    /// </summary>
    public ResourceWrite Version(Resource resource, string id, int versionId, WriteMethod method, DateTimeOffset now, out OperationOutcome? warnings)
    {
        // The stamp is read before the work it covers, so a change during preparation also makes the result stale.
        if (!_prepared.TryGetValue(resource, out var prepared) || prepared.Stamp != versions.Stamp)
            return versions.NewVersion(resource, id, versionId, method, now, out warnings);
        warnings = prepared.Warnings;
        return prepared.Write is { } write && prepared.Id == id && prepared.VersionId == versionId && prepared.Method == method && prepared.Now == now
            ? write
            : versions.Build(resource, id, versionId, method, now);
    }

    private async ValueTask<Prepared> PrepareAsync(Candidate candidate, IResourceStore store, DateTimeOffset now, CancellationToken ct)
    {
        var stamp = versions.Stamp;
        var warnings = candidate.Checked ? null : versions.Check(candidate.Resource);
        var current = candidate.Current ?? (candidate.ReadCurrent ? await store.ReadAsync(new ResourceKey(candidate.Resource.TypeName, candidate.Id), ct) : null);
        var method = current is null || current.IsDeleted ? WriteMethod.Create : WriteMethod.Update;
        var versionId = (current?.VersionId ?? 0) + 1;
        return new Prepared(stamp, warnings, versions.Build(candidate.Resource, candidate.Id, versionId, method, now, candidate.Source), candidate.Id, versionId, method, now);
    }
}
