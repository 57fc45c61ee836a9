namespace FhirPortal.Server.Telemetry;

/// <summary>
/// Names a /fhir request for the request counter: the resource type (only a real R4 type, so client input never
/// becomes a metric dimension), the FHIR interaction code (R4 CapabilityStatement restful interactions) and, for
/// operations, the operation's name. Everything comes from the matched route pattern and method, never the raw path.
/// </summary>
public static class FhirInteractionName
{
    private static readonly HashSet<string> Types = [.. Hl7.Fhir.Model.ModelInfo.SupportedResources];

    public static (string? Type, string Interaction, string? Operation) Of(HttpContext context, Endpoint? endpoint)
    {
        var type = context.Request.RouteValues["type"] as string;
        var pattern = (endpoint as RouteEndpoint)?.RoutePattern.RawText;
        var interaction = Interaction(context.Request.Method, pattern, out var operation);
        return (type is not null && Types.Contains(type) ? type : null, interaction, operation);
    }

    /// <summary>The interaction for a route pattern below /fhir (e.g. <c>/fhir/{type}/{id}</c>) and a method.</summary>
    public static string Interaction(string method, string? pattern, out string? operation)
    {
        operation = null;
        if (pattern is null) return "unknown";
        var segments = pattern.Trim('/').Split('/');
        if (segments.FirstOrDefault(s => s.StartsWith('$')) is { } op)
        {
            operation = op;
            return "operation";
        }
        var path = string.Join('/', segments.Skip(1));
        var read = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        return path switch
        {
            "metadata" => "capabilities",
            "" when read => "search-system",
            "" => "batch-or-transaction",
            "_search" => "search-system",
            "_history" => "history-system",
            "{type}" when read => "search-type",
            "{type}/_search" => "search-type",
            "{type}" when HttpMethods.IsPost(method) => "create",
            "{type}" or "{type}/{id}" when HttpMethods.IsPut(method) => "update",
            "{type}" or "{type}/{id}" when HttpMethods.IsPatch(method) => "patch",
            "{type}" or "{type}/{id}" when HttpMethods.IsDelete(method) => "delete",
            "{type}/_history" => "history-type",
            "{type}/{id}" when read => "read",
            "{type}/{id}/_history" => "history-instance",
            "{type}/{id}/_history/{versionId}" => "vread",
            "{compartment}/{id}/{type}" => "search-type",
            _ => "other",
        };
    }
}
