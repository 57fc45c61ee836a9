using FhirPortal.Search;

namespace FhirPortal.Storage;

/// <summary>The store contract every backend implements; FHIR semantics stay in Core.</summary>
public interface IResourceStore
{
    /// <summary>The latest version of a resource (a tombstone if it was deleted), or null if it never existed.</summary>
    Task<StoredResource?> ReadAsync(ResourceKey key, CancellationToken cancellationToken);

    /// <summary>
    /// The latest versions of several resources at once (tombstones included), in no particular order; keys never
    /// stored are left out. What a bulk writer ($import) reads of a whole batch before it stages the batch.
    /// </summary>
    Task<IReadOnlyList<StoredResource>> ReadManyAsync(IReadOnlyCollection<ResourceKey> keys, CancellationToken cancellationToken);

    /// <summary>One specific version, or null.</summary>
    Task<StoredResource?> ReadVersionAsync(ResourceKey key, int versionId, CancellationToken cancellationToken);

    /// <summary>Commits every write of the batch atomically, or throws <see cref="WriteConflictException"/> and writes nothing.</summary>
    Task CommitAsync(WriteBatch batch, CancellationToken cancellationToken);

    /// <summary>Versions newest first, narrowed by type, id and time, one page at a time.</summary>
    Task<Page> HistoryAsync(HistoryQuery query, CancellationToken cancellationToken);

    /// <summary>Current, non-deleted resources matching the query, one page at a time.</summary>
    Task<Page> SearchAsync(SearchQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Recomputes the index of current resources (no new versions), one batch in a stable order, atomically with
    /// respect to concurrent writes. Returns how many were done and where the next batch starts (null: finished).
    /// </summary>
    Task<ReindexProgress> ReindexAsync(ReindexBatch batch, Func<StoredResource, ResourceIndex> index, CancellationToken cancellationToken);

    /// <summary>
    /// Removes resources for good: the current version, every earlier version and their index rows (a FHIR delete
    /// keeps history; this does not). Keys that do not exist are skipped. Returns how many were removed. Only audit
    /// retention calls it; callers keep the list short, since a store may hold its writer lock while it runs.
    /// </summary>
    Task<int> ExpungeAsync(IReadOnlyList<ResourceKey> keys, CancellationToken cancellationToken);

    /// <summary>Creates or replaces a background job's record (its state is the caller's JSON), whatever its version.</summary>
    Task SaveJobAsync(JobRecord job, CancellationToken cancellationToken);

    /// <summary>
    /// Compare-and-swap save: creates the job when <see cref="JobRecord.Version"/> is null and none exists, or replaces
    /// it when its stored version is still <see cref="JobRecord.Version"/>. Returns the new version, or null when
    /// another writer got there first (nothing is written). Job leases are built on it.
    /// </summary>
    Task<string?> TrySaveJobAsync(JobRecord job, CancellationToken cancellationToken);

    Task<JobRecord?> ReadJobAsync(string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<JobRecord>> ListJobsAsync(string kind, CancellationToken cancellationToken);

    /// <summary>Jobs whose kind starts with <paramref name="kindPrefix"/> (e.g. every patient's share links), ordered by id.</summary>
    Task<IReadOnlyList<JobRecord>> ListJobsByKindPrefixAsync(string kindPrefix, CancellationToken cancellationToken);

    /// <summary>
    /// Removes a job's record for good: only while its stored version is still <paramref name="version"/> (any version
    /// when null). True when this call removed it; false when it is gone or changed (another writer or purger was first).
    /// </summary>
    Task<bool> DeleteJobAsync(string id, string? version, CancellationToken cancellationToken);
}

/// <summary>Which resources to reindex: all, one type, or one resource, after <see cref="Cursor"/>.</summary>
public sealed record ReindexBatch(string? Type, string? Id, string? Cursor, int Count);

public sealed record ReindexProgress(int Processed, string? NextCursor);

/// <summary>
/// A persisted background job (e.g. $reindex), so it resumes after a restart. <see cref="Version"/> is the store's
/// opaque version of the record as read (null for a job not saved yet), for <see cref="IResourceStore.TrySaveJobAsync"/>.
/// </summary>
public sealed record JobRecord(string Id, string Kind, string State, string? Version = null);

/// <summary>What history to return. <see cref="AtStart"/>/<see cref="AtEnd"/> select versions current during that span.</summary>
public sealed record HistoryQuery(
    string? Type,
    string? Id,
    DateTimeOffset? Since,
    DateTimeOffset? AtStart,
    DateTimeOffset? AtEnd,
    int Count,
    string? Cursor);

/// <summary>
/// One page of results; <see cref="NextCursor"/> continues after its last entry and is stable under concurrent writes.
/// <see cref="Included"/> holds <c>_include</c>/<c>_revinclude</c> resources; <see cref="Total"/> is set when asked for,
/// and for <see cref="TotalMode.IfKnown"/> when the page holds every match (<see cref="KnownTotal"/>).
/// </summary>
public sealed record Page(IReadOnlyList<StoredResource> Entries, string? NextCursor)
{
    /// <summary>Goes back to the page before this one (the <c>previous</c> link), when there is one.</summary>
    public string? PreviousCursor { get; init; }
    public IReadOnlyList<StoredResource> Included { get; init; } = [];
    public long? Total { get; init; }

    /// <summary>
    /// The total a store reports without counting: for <see cref="TotalMode.IfKnown"/>, a first page (no cursor)
    /// with no next page holds every match; otherwise null.
    /// </summary>
    public static long? KnownTotal(SearchQuery query, int entries, string? nextCursor) =>
        query.Total == TotalMode.IfKnown && query.Cursor is null && nextCursor is null && query.Count > 0 ? entries : null;

    /// <summary>Whether the query asks the store to count every match (<c>_total=estimate|accurate</c>).</summary>
    public static bool Counts(SearchQuery query) => query.Total is TotalMode.Estimate or TotalMode.Accurate;
}
