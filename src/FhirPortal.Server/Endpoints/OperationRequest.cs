using FhirPortal.Core;
using FhirPortal.Core.Operations;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>An operation's parameters: the URL query, plus a POST body's Parameters resource.</summary>
internal static class OperationRequest
{
    public static async Task<List<KeyValuePair<string, string>>> ParametersAsync(HttpContext context)
    {
        var parameters = FhirRequest.Parameters(context.Request).ToList();
        if (!HttpMethods.IsPost(context.Request.Method) || context.Request.ContentLength == 0) return parameters;
        if (context.Request.ContentLength is null && context.Request.ContentType is null) return parameters;
        var body = await FhirRequest.ReadResourceAsync(context, InteractionResponses.MaxResourceBytes(context));
        if (body is not Parameters operationParameters)
            throw FhirOutcomeException.BadRequest($"An operation's POST body must be a Parameters resource, not a {body.TypeName}.");
        parameters.AddRange(OperationParameters.FromParameters(operationParameters));
        return parameters;
    }

    /// <summary>Who asks: the client (<c>client_id</c>), else the user (<c>sub</c>), else "anonymous" (security off).</summary>
    public static string Caller(HttpContext context) =>
        context.User.FindFirst("client_id")?.Value ?? context.User.FindFirst("sub")?.Value ?? "anonymous";
}
