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

    /// <summary>
    /// The ids of the patients whose compartment this version is in, as its index found them when it was written,
    /// joined by '/' (never part of an id; "" for none): the access audit reads them instead of parsing the version.
    /// Null when not known (a version stored before they were kept, or a deletion).
    /// </summary>
    public string? Patients { get; init; }
}
