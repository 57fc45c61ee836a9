using FhirPortal.Search;

namespace FhirPortal.Storage;

/// <summary>
/// A new version to store with its index values. The store accepts it only if the resource's current version
/// is <c>Version.VersionId - 1</c> (0: the resource must not exist yet), so concurrent writers can never both win.
/// </summary>
public sealed record ResourceWrite(StoredResource Version, ResourceIndex? Index)
{
    /// <summary>What the store keeps as the version's <see cref="StoredResource.Patients"/>: its index's Patient compartments (null without an index).</summary>
    public string? Patients => PatientsOf(Index);

    /// <summary>An index's Patient compartments as a version keeps them (also what $reindex writes back).</summary>
    public static string? PatientsOf(ResourceIndex? index) => index is null ? null
        : string.Join('/', index.Compartments.Where(c => c.CompartmentType == "Patient").Select(c => c.Id));
}

/// <summary>
/// Writes that commit all together or not at all. <see cref="MustNotMatch"/> holds the criteria of conditional
/// creates: each must still match nothing when the batch commits.
/// </summary>
public sealed record WriteBatch(IReadOnlyList<ResourceWrite> Writes, IReadOnlyList<SearchQuery> MustNotMatch);

/// <summary>A batch lost a race: a version it replaces changed, or a conditional create's criteria now match.</summary>
public sealed class WriteConflictException(string message) : Exception(message);
