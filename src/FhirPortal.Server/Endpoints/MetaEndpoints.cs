using FhirPortal.Core;
using FhirPortal.Core.Operations;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// <c>$meta</c> at system, type and instance level (GET or POST), <c>$meta-add</c> and <c>$meta-delete</c> on an
/// instance (POST with a Parameters body holding <c>meta</c>); see <see cref="MetaOperation"/>.
/// </summary>
internal static class MetaEndpoints
{
    private static readonly string[] GetAndPost = [HttpMethods.Get, HttpMethods.Post];

    public static RouteGroupBuilder MapMetaApi(this RouteGroupBuilder fhir)
    {
        fhir.MapMethods("/$meta", GetAndPost, SystemAsync).WithSummary("$meta: profiles, tags and security labels in use");
        fhir.MapMethods("/{type}/$meta", GetAndPost, TypeAsync).WithSummary("$meta: profiles, tags and security labels in use on a type");
        fhir.MapMethods("/{type}/{id}/$meta", GetAndPost, InstanceAsync).WithSummary("$meta: a resource's profiles, tags and security labels");
        fhir.MapPost("/{type}/{id}/$meta-add", (HttpContext c, string type, string id, MetaOperation meta) => ChangeAsync(c, type, id, meta, add: true))
            .WithSummary("$meta-add: add profiles, tags, security labels");
        fhir.MapPost("/{type}/{id}/$meta-delete", (HttpContext c, string type, string id, MetaOperation meta) => ChangeAsync(c, type, id, meta, add: false))
            .WithSummary("$meta-delete: remove profiles, tags, security labels");
        return fhir;
    }

    private static async Task SystemAsync(HttpContext context, MetaOperation meta)
    {
        await RequireNoParametersAsync(context);
        await FhirOutput.WritePocoAsync(context, await meta.InUseAsync(null, context.RequestAborted), 200);
    }

    private static async Task TypeAsync(HttpContext context, string type, MetaOperation meta)
    {
        ResourceTypes.Require(type);
        await RequireNoParametersAsync(context);
        await FhirOutput.WritePocoAsync(context, await meta.InUseAsync(type, context.RequestAborted), 200);
    }

    private static async Task InstanceAsync(HttpContext context, string type, string id, MetaOperation meta)
    {
        var key = new ResourceKey(ResourceTypes.Require(type), id);
        await RequireNoParametersAsync(context);
        await FhirOutput.WritePocoAsync(context, await meta.ReadAsync(key, context.RequestAborted), 200);
    }

    private static async Task ChangeAsync(HttpContext context, string type, string id, MetaOperation meta, bool add)
    {
        var key = new ResourceKey(ResourceTypes.Require(type), id);
        var body = await FhirRequest.ReadResourceAsync(context, InteractionResponses.MaxResourceBytes(context));
        if (body is not Parameters parameters)
            throw FhirOutcomeException.BadRequest($"${(add ? "meta-add" : "meta-delete")} takes a Parameters body, not a {body.TypeName}.");
        await FhirOutput.WritePocoAsync(context, await meta.ChangeAsync(key, parameters, add, context.RequestAborted), 200);
    }

    /// <summary>$meta takes no input parameters; result-shaping ones (_format, _pretty) are fine.</summary>
    private static async Task RequireNoParametersAsync(HttpContext context)
    {
        var unknown = (await OperationRequest.ParametersAsync(context))
            .Select(p => p.Key).Where(k => k is not ("_format" or "_pretty")).Distinct().ToList();
        if (unknown.Count > 0)
            throw FhirOutcomeException.BadRequest($"$meta takes no parameters, not {string.Join(", ", unknown)}.", unknown[0]);
    }
}
