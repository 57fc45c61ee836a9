using FhirPortal.Core;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Patching;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Microsoft.Net.Http.Headers;

namespace FhirPortal.Server.Endpoints;

/// <summary>Instance-level interactions: read, vread, update, patch, delete.</summary>
internal static class InstanceEndpoints
{
    public static async Task Read(HttpContext context, string type, string id, ReadInteraction read)
    {
        var key = new ResourceKey(ResourceTypes.Require(type), id);
        var stored = await read.ReadAsync(key, context.RequestAborted);
        // Typed headers only when there is a date to parse: most reads are not conditional.
        var ifModifiedSince = context.Request.Headers.IfModifiedSince.Count > 0 ? context.Request.GetTypedHeaders().IfModifiedSince : null;
        if (ConditionalRead.IsNotModified(stored, FhirRequest.Header(context.Request, HeaderNames.IfNoneMatch), ifModifiedSince))
        {
            context.Response.StatusCode = 304;
            FhirOutput.VersionHeaders(context.Response, stored);
            return;
        }
        await FhirOutput.WriteStoredAsync(context, stored, 200);
    }

    public static async Task VRead(HttpContext context, string type, string id, string versionId, ReadInteraction read)
    {
        var stored = await read.ReadVersionAsync(new ResourceKey(ResourceTypes.Require(type), id), versionId, context.RequestAborted);
        await FhirOutput.WriteStoredAsync(context, stored, 200);
    }

    public static async Task Update(HttpContext context, string type, string id, UpdateInteraction update)
    {
        var key = new ResourceKey(ResourceTypes.Require(type), id);
        var body = await FhirRequest.ReadResourceAsync(context, InteractionResponses.MaxResourceBytes(context));
        var ifMatch = FhirRequest.Header(context.Request, HeaderNames.IfMatch);
        var result = await update.UpdateAsync(key, body, ifMatch, context.RequestAborted);
        await InteractionResponses.WriteAsync(context, result);
    }

    public static async Task Patch(HttpContext context, string type, string id, PatchInteraction patch, FhirParser parser)
    {
        var key = new ResourceKey(ResourceTypes.Require(type), id);
        var document = await ReadPatchAsync(context, parser);
        var ifMatch = FhirRequest.Header(context.Request, HeaderNames.IfMatch);
        var result = await patch.PatchAsync(key, document, ifMatch, context.RequestAborted);
        await InteractionResponses.WriteAsync(context, result);
    }

    public static async Task Delete(HttpContext context, string type, string id, DeleteInteraction delete)
    {
        var key = new ResourceKey(ResourceTypes.Require(type), id);
        var ifMatch = FhirRequest.Header(context.Request, HeaderNames.IfMatch);
        var result = await delete.DeleteAsync(key, ifMatch, context.RequestAborted);
        await InteractionResponses.WriteAsync(context, result);
    }

    /// <summary>JSON Patch by its media type; otherwise a FHIRPath Patch Parameters resource in JSON or XML.</summary>
    public static async Task<IResourcePatch> ReadPatchAsync(HttpContext context, FhirParser parser)
    {
        var maxBytes = InteractionResponses.MaxResourceBytes(context);
        if (MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var contentType)
            && contentType.MediaType.Equals("application/json-patch+json", StringComparison.OrdinalIgnoreCase))
        {
            return JsonPatchDocument.Parse(await FhirRequest.ReadBodyAsync(context, maxBytes), parser);
        }
        var body = await FhirRequest.ReadResourceAsync(context, maxBytes);
        return body is Parameters parameters
            ? FhirPathPatchDocument.FromParameters(parameters, parser)
            : throw FhirOutcomeException.BadRequest("A PATCH body is a JSON Patch (application/json-patch+json) or a FHIRPath Patch Parameters resource.");
    }
}
