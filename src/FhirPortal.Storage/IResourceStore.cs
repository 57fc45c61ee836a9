using FhirPortal.Search;

namespace FhirPortal.Storage;

/// <summary>The store contract every backend implements; FHIR semantics stay in Core.</summary>
public interface IResourceStore
{
    /// <summary>The latest version of a resource (a tombstone if it was deleted), or null if it never existed.</summary>
    Task<StoredResource?> ReadAsync(ResourceKey key, CancellationToken cancellationToken);

    /// <summary>One specific version, or null.</summary>
    Task<StoredResource?> ReadVersionAsync(ResourceKey key, int versionId, CancellationToken cancellationToken);

    /// <summary>Commits every write of the batch atomically, or throws <see cref="WriteConflictException"/> and writes nothing.</summary>
    Task CommitAsync(WriteBatch batch, CancellationToken cancellationToken);

    /// <summary>Versions newest first, narrowed by type, id and time, one page at a time.</summary>
    Task<Page> HistoryAsync(HistoryQuery query, CancellationToken cancellationToken);

    /// <summary>Current, non-deleted resources matching the query, one page at a time.</summary>
    Task<Page> SearchAsync(SearchQuery query, CancellationToken cancellationToken);
}

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
/// <see cref="Included"/> holds <c>_include</c>/<c>_revinclude</c> resources; <see cref="Total"/> is set when asked for.
/// </summary>
public sealed record Page(IReadOnlyList<StoredResource> Entries, string? NextCursor)
{
    /// <summary>Goes back to the page before this one (the <c>previous</c> link), when there is one.</summary>
    public string? PreviousCursor { get; init; }
    public IReadOnlyList<StoredResource> Included { get; init; } = [];
    public long? Total { get; init; }
}
