namespace FhirPortal.Storage;

/// <summary>How a version came to be; history entries report it as the request method.</summary>
public enum WriteMethod
{
    Create,
    Update,
    Delete,
}

/// <summary>
/// One stored version of a resource. <see cref="Json"/> is exactly what the server returns for a plain read
/// (meta.versionId and meta.lastUpdated set); it is empty for a deletion tombstone.
/// </summary>
public sealed record StoredResource(
    ResourceKey Key,
    int VersionId,
    DateTimeOffset LastUpdated,
    WriteMethod Method,
    ReadOnlyMemory<byte> Json)
{
    public bool IsDeleted => Method == WriteMethod.Delete;
}
