using FhirPortal.Core.SearchParameters;
using FhirPortal.Core.Serialization;
using FhirPortal.Core.Validation;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core;

/// <summary>Turns a POCO into the stored form of a new version: id and meta set, the exact JSON to return, its index values.</summary>
public sealed class VersionFactory(SearchIndexer indexer, CustomSearchParameters searchParameters, ResourceValidator validator)
{
    /// <summary>
    /// What a version's checks and index values depend on besides the resource: the conformance resources and the
    /// search parameters. A result computed under another stamp may be stale.
    /// </summary>
    internal (long Conformance, long SearchParameters) Stamp => (validator.Resources.Generation, searchParameters.Generation);

    /// <summary>Whether a record the server builds of <paramref name="type"/> may skip validation (<see cref="ConformanceResources.UnchangedSinceStartup"/>).</summary>
    internal bool TrustHolds(string type) => validator.Resources.UnchangedSinceStartup(type);

    /// <summary>
    /// The resource is left as it came in (its id and meta are set only while it is serialized and indexed), so a
    /// write retried after a lost race plans again from the caller's input without a defensive copy.
    /// </summary>
    /// <param name="warnings">Validation warnings the write is accepted with (null when none).</param>
    public ResourceWrite NewVersion(Resource resource, string id, int versionId, WriteMethod method, DateTimeOffset now, out OperationOutcome? warnings)
    {
        warnings = Check(resource);
        return Build(resource, id, versionId, method, now);
    }

    /// <summary>The write's checks, which depend only on the resource's content: 422 on an error, else its warnings (null when none).</summary>
    public OperationOutcome? Check(Resource resource)
    {
        searchParameters.Validate(resource);
        return validator.EnsureValid(resource);
    }

    /// <summary>The stored version of a checked resource: JSON and index values with the given id, version and time.</summary>
    /// <param name="source">
    /// The JSON the SDK parsed <paramref name="resource"/> from without any issue, unchanged since: stored with the
    /// version's meta (<see cref="StoredJson"/>) instead of serialising the POCO again, when it has the version's id.
    /// </param>
    public ResourceWrite Build(Resource resource, string id, int versionId, WriteMethod method, DateTimeOffset now, ReadOnlyMemory<byte>? source = null)
    {
        var (givenId, givenMeta) = (resource.Id, resource.Meta);
        try
        {
            resource.Id = id;
            resource.Meta = StoredMeta(givenMeta, versionId, now);
            var json = source is { } given && givenId == id && StoredJson.WithMeta(given.Span, resource.Meta) is { } kept
                ? kept
                : FhirSerializer.ToJsonBytes(resource);
            var stored = new StoredResource(new ResourceKey(resource.TypeName, id), versionId, now, method, json);
            return new ResourceWrite(stored, indexer.Index(resource));
        }
        finally
        {
            (resource.Id, resource.Meta) = (givenId, givenMeta);
        }
    }

    /// <summary>The meta a version stores: the given one's elements (copied) with the version's id and time.</summary>
    internal static Meta StoredMeta(Meta? given, int versionId, DateTimeOffset now)
    {
        var meta = (Meta?)given?.DeepCopy() ?? new Meta();
        meta.VersionId = versionId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        meta.LastUpdated = now;
        return meta;
    }

    public static ResourceWrite Tombstone(ResourceKey key, int versionId, DateTimeOffset now) =>
        new(new StoredResource(key, versionId, now, WriteMethod.Delete, ReadOnlyMemory<byte>.Empty), null);
}
