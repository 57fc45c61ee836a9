using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core;

/// <summary>Builds a Bundle POCO from a <see cref="BundleResult"/>, for XML output, filters, or nesting in another Bundle.</summary>
public static class BundleMaterializer
{
    public static Bundle ToPoco(BundleResult result, string baseUrl)
    {
        var bundle = Head(result);
        foreach (var e in result.Entries) bundle.Entry.Add(Entry(e, baseUrl));
        return bundle;
    }

    /// <summary>The Bundle without its entries: id, meta, type, total and links.</summary>
    public static Bundle Head(BundleResult result) => new()
    {
        Id = Guid.NewGuid().ToString(),
        Meta = new Meta { LastUpdated = DateTimeOffset.UtcNow },
        Type = result.Type,
        Total = result.Total,
        Link = result.Links.Select(l => new Bundle.LinkComponent { Relation = l.Relation, Url = l.Url }).ToList(),
    };

    /// <summary>One entry, its stored resource parsed.</summary>
    public static Bundle.EntryComponent Entry(BundleEntryResult e, string baseUrl)
    {
        var entry = new Bundle.EntryComponent();
        if (e.Resource is { IsDeleted: false } stored) entry.Resource = FhirParser.ParseStored(stored.Json.Span);
        else if (e.Inline is not null) entry.Resource = e.Inline;
        var key = e.Resource?.Key;
        if (key is not null) entry.FullUrl = $"{baseUrl.TrimEnd('/')}/{key}";
        if (e.SearchMode is not null) entry.Search = new Bundle.SearchComponent { Mode = e.SearchMode };
        if (e.RequestMethod is not null) entry.Request = new Bundle.RequestComponent { Method = e.RequestMethod, Url = e.RequestUrl };
        if (e.Response is { } r)
            entry.Response = new Bundle.ResponseComponent
            {
                Status = r.Status,
                Location = r.Location,
                Etag = r.Etag,
                LastModified = r.LastModified,
                Outcome = r.Outcome,
            };
        return entry;
    }
}
