using System.Globalization;
using System.Text.Json;
using FhirPortal.Core;
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// Writes a Bundle as JSON, copying each stored resource's bytes in place instead of re-serialising it: whole
/// (<see cref="Write"/>), or head, entries as they arrive and end (a download streamed page by page).
/// </summary>
internal static class BundleJsonWriter
{
    public static void Write(Utf8JsonWriter w, BundleResult bundle, string baseUrl)
    {
        WriteHead(w, bundle);
        var first = true;
        foreach (var entry in bundle.Entries)
        {
            WriteEntry(w, entry, baseUrl, first);
            first = false;
        }
        WriteEnd(w, anyEntries: !first);
    }

    /// <summary>Everything before the entries: id, meta, type, total and links of <paramref name="bundle"/> (its entries are not written).</summary>
    public static void WriteHead(Utf8JsonWriter w, BundleResult bundle)
    {
        w.WriteStartObject();
        w.WriteString("resourceType", "Bundle");
        w.WriteString("id", Guid.NewGuid().ToString());
        w.WriteStartObject("meta");
        w.WriteString("lastUpdated", Instant(DateTimeOffset.UtcNow));
        w.WriteEndObject();
        w.WriteString("type", bundle.Type.GetLiteral());
        if (bundle.Total is { } total) w.WriteNumber("total", total);
        if (bundle.Links.Count > 0)
        {
            w.WriteStartArray("link");
            foreach (var link in bundle.Links)
            {
                w.WriteStartObject();
                w.WriteString("relation", link.Relation);
                w.WriteString("url", link.Url);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
    }

    /// <summary>One entry; the first one opens the <c>entry</c> array.</summary>
    public static void WriteEntry(Utf8JsonWriter w, BundleEntryResult entry, string baseUrl, bool first)
    {
        if (first) w.WriteStartArray("entry");
        WriteEntry(w, entry, baseUrl.TrimEnd('/'));
    }

    /// <summary>Closes the Bundle. FHIR JSON has no empty arrays: a Bundle without entries (e.g. _summary=count) has no "entry".</summary>
    public static void WriteEnd(Utf8JsonWriter w, bool anyEntries)
    {
        if (anyEntries) w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteEntry(Utf8JsonWriter w, BundleEntryResult entry, string root)
    {
        w.WriteStartObject();
        if (entry.Resource is { } stored)
        {
            w.WriteString("fullUrl", $"{root}/{stored.Key}");
            if (!stored.IsDeleted)
            {
                w.WritePropertyName("resource");
                w.WriteRawValue(stored.Json.Span, skipInputValidation: true);
            }
        }
        else if (entry.Inline is { } inline)
        {
            w.WritePropertyName("resource");
            FhirSerializer.WriteJson(inline, w);
        }
        if (entry.SearchMode is { } mode)
        {
            w.WriteStartObject("search");
            w.WriteString("mode", mode.GetLiteral());
            w.WriteEndObject();
        }
        if (entry.RequestMethod is { } method)
        {
            w.WriteStartObject("request");
            w.WriteString("method", method.GetLiteral());
            w.WriteString("url", entry.RequestUrl);
            w.WriteEndObject();
        }
        if (entry.Response is { } response)
        {
            w.WriteStartObject("response");
            w.WriteString("status", response.Status);
            if (response.Location is not null) w.WriteString("location", response.Location);
            if (response.Etag is not null) w.WriteString("etag", response.Etag);
            if (response.LastModified is { } modified) w.WriteString("lastModified", Instant(modified));
            if (response.Outcome is not null)
            {
                w.WritePropertyName("outcome");
                FhirSerializer.WriteJson(response.Outcome, w);
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static string Instant(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
