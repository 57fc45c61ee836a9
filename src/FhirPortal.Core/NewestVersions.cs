using FhirPortal.Storage;

namespace FhirPortal.Core;

/// <summary>
/// Applies versions of a resource to an in-memory cache newest-first-wins: a version older than (or equal to) the one
/// already applied for its key is skipped. Local commits and the poll for other instances' changes both apply
/// versions, in whatever order their threads get there; without this a poll that read version 1 could apply it after
/// a local delete (version 2) had, and bring a deleted SearchParameter or profile back until the next poll.
/// Relies on a resource's version ids only growing, also across delete and re-create; an expunge restarts them, so
/// expunging conformance resources or SearchParameters (only AuditEvents are expunged today) would need to forget the key here.
/// </summary>
public sealed class NewestVersions
{
    private readonly Dictionary<ResourceKey, int> _applied = [];
    private readonly Lock _gate = new();

    /// <summary>Runs <paramref name="apply"/> unless a version as new was applied already; records it only when it ran without throwing.</summary>
    public void Apply(StoredResource version, Action apply)
    {
        // The apply runs under the lock: a check and an apply that could interleave with another thread's would let
        // the older version land last. Conformance writes are rare, so holding the lock over a parse costs nothing.
        lock (_gate)
        {
            if (_applied.TryGetValue(version.Key, out var applied) && applied >= version.VersionId) return;
            apply();
            _applied[version.Key] = version.VersionId;
        }
    }
}
