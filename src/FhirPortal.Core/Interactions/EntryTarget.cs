namespace FhirPortal.Core.Interactions;

/// <summary>
/// What a Bundle entry's <c>request.url</c> addresses: <c>Type</c>, <c>Type?criteria</c>, <c>Type/id</c>,
/// <c>Type/id/_history/vid</c> or a history URL; absolute URLs on this server's base are accepted.
/// </summary>
public sealed record EntryTarget(string? Type, string? Id, string? VersionId, bool History, string Query)
{
    public bool HasCriteria => Query.Length > 0;

    /// <summary>The entry's <c>request.method</c> (set by <see cref="BundleChecks.Target"/>, which requires one).</summary>
    public Hl7.Fhir.Model.Bundle.HTTPVerb Method { get; init; }

    public static EntryTarget Parse(string url, string baseUrl, int entryIndex)
    {
        var relative = url;
        var trimmedBase = baseUrl.TrimEnd('/') + "/";
        if (relative.StartsWith(trimmedBase, StringComparison.Ordinal)) relative = relative[trimmedBase.Length..];
        else if (Uri.TryCreate(relative, UriKind.Absolute, out var abs) && abs.Scheme is "http" or "https")
            throw Invalid(entryIndex, $"'{url}' is not on this server's base {baseUrl}.");

        var q = relative.IndexOf('?');
        var path = q < 0 ? relative : relative[..q];
        var query = q < 0 ? "" : relative[(q + 1)..];
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s.StartsWith('$')))
            throw Invalid(entryIndex, $"Operations are not supported inside a Bundle ('{url}').");

        return segments switch
        {
            ["_history"] => new(null, null, null, true, query),
            [var t] => new(KnownType(t, entryIndex), null, null, false, query),
            [var t, "_history"] => new(KnownType(t, entryIndex), null, null, true, query),
            [var t, var id] => new(KnownType(t, entryIndex), id, null, false, query),
            [var t, var id, "_history"] => new(KnownType(t, entryIndex), id, null, true, query),
            [var t, var id, "_history", var v] => new(KnownType(t, entryIndex), id, v, false, query),
            _ => throw Invalid(entryIndex, $"'{url}' is not a URL this server understands in a Bundle entry."),
        };
    }

    private static string KnownType(string type, int entryIndex) =>
        Hl7.Fhir.Model.ModelInfo.IsKnownResource(type) ? type : throw Invalid(entryIndex, $"'{type}' is not an R4 resource type.");

    private static FhirOutcomeException Invalid(int entryIndex, string message) =>
        FhirOutcomeException.BadRequest(message, $"Bundle.entry[{entryIndex}].request.url");
}
