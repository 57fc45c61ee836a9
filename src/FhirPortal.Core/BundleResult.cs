using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core;

/// <summary>
/// A Bundle to return, with entries that point at stored versions instead of parsed resources, so the REST layer
/// can stream each resource's stored JSON into the response without re-serialising it.
/// </summary>
public sealed record BundleResult(
    Bundle.BundleType Type,
    IReadOnlyList<BundleEntryResult> Entries,
    IReadOnlyList<BundleLinkResult> Links,
    int? Total = null)
{
    /// <summary>The stored versions the Bundle returns (matches and includes), as the access audit lists them.</summary>
    public static IReadOnlyList<StoredResource> Resources(BundleResult bundle) =>
        [.. bundle.Entries.Where(e => e.Resource is not null).Select(e => e.Resource!)];
}

/// <summary>A link of a Bundle (self, next, previous).</summary>
public sealed record BundleLinkResult(string Relation, string Url);

/// <summary>
/// One entry: a stored version and/or an inline resource (an OperationOutcome), plus search, request and
/// response details as the Bundle type needs them.
/// </summary>
public sealed record BundleEntryResult(
    StoredResource? Resource,
    Resource? Inline = null,
    Bundle.SearchEntryMode? SearchMode = null,
    Bundle.HTTPVerb? RequestMethod = null,
    string? RequestUrl = null,
    EntryResponse? Response = null);

/// <summary>The response part of a batch/transaction/history entry.</summary>
public sealed record EntryResponse(string Status, string? Location, string? Etag, DateTimeOffset? LastModified, OperationOutcome? Outcome = null);
