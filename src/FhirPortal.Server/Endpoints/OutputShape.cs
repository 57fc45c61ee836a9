using FhirPortal.Core;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace FhirPortal.Server.Endpoints;

/// <summary>How to render a response: format, pretty printing, and the <c>_summary</c>/<c>_elements</c> filter.</summary>
public sealed record OutputShape(FhirFormat Format, bool Pretty, string? Summary, string[]? Elements)
{
    /// <summary>True when stored JSON can be sent as it is.</summary>
    public bool IsPlainJson => Format == FhirFormat.Json && !Pretty && Filter is null;

    /// <summary>Compact JSON, unfiltered: the shape of most requests.</summary>
    public static readonly OutputShape PlainJson = new(FhirFormat.Json, false, null, null);

    public static OutputShape From(HttpRequest request)
    {
        // Note: most requests have no query string and accept JSON; they need no parsing and no new object.
        if (!request.QueryString.HasValue && FhirFormats.AcceptsJsonPlainly(request)) return PlainJson;
        var summary = request.Query["_summary"].ToString();
        if (summary.Length > 0 && summary is not ("true" or "false" or "text" or "data" or "count"))
            throw FhirOutcomeException.BadRequest($"_summary must be true, false, text, data or count, not '{summary}'.", "_summary");
        var elements = request.Query["_elements"].ToString();
        return new OutputShape(
            FhirFormats.ForResponse(request),
            request.Query["_pretty"].ToString() == "true",
            summary is "" or "false" ? null : summary,
            elements.Length == 0 ? null : elements.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    public Func<SerializationFilter>? Filter => (Summary, Elements) switch
    {
        ("true", _) => SerializationFilter.ForSummary,
        ("text", _) => SerializationFilter.ForText,
        ("data", _) => SerializationFilter.ForData,
        // id and meta stay so the client can still identify the resource and see the SUBSETTED tag.
        (_, { } e) => () => SerializationFilter.ForElements([.. e, "id", "meta"], includeMandatory: true),
        _ => null,
    };

    /// <summary>
    /// A filtered resource must say so (spec: the SUBSETTED tag, R4 system only); in a search or history Bundle its
    /// entries are the subsetted resources, not the Bundle itself.
    /// </summary>
    public void MarkSubsetted(Resource resource)
    {
        if (Filter is null) return;
        if (resource is Bundle { Type: Bundle.BundleType.Searchset or Bundle.BundleType.History } bundle)
        {
            foreach (var entry in bundle.Entry)
                if (entry.Resource is { } inner and not OperationOutcome) MarkSubsetted(inner);
            return;
        }
        resource.Meta ??= new Meta();
        if (!resource.Meta.Tag.Any(t => t.Code == "SUBSETTED"))
            resource.Meta.Tag.Add(new Coding("http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "SUBSETTED"));
    }
}
