using FhirPortal.Core;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using Microsoft.Net.Http.Headers;

namespace FhirPortal.Server.Endpoints;

/// <summary>Type-level interactions: create, search, history, and the conditional update/patch/delete forms.</summary>
internal static class TypeEndpoints
{
    public static async Task Create(HttpContext context, string type, CreateInteraction create)
    {
        ResourceTypes.Require(type);
        var body = await FhirRequest.ReadResourceAsync(context, InteractionResponses.MaxResourceBytes(context));
        var ifNoneExist = FhirRequest.Header(context.Request, "If-None-Exist");
        var result = await create.CreateAsync(type, body, ifNoneExist, context.RequestAborted);
        await InteractionResponses.WriteAsync(context, result);
    }

    public static Task Search(HttpContext context, string type, SearchInteraction search) =>
        RunSearchAsync(context, new SearchScope(ResourceTypes.Require(type)), search);

    /// <summary>Compartment search (<c>/Patient/123/Observation</c>); the Patient compartment is the one indexed.</summary>
    public static Task CompartmentSearch(HttpContext context, string compartment, string id, string type, SearchInteraction search)
    {
        ResourceTypes.Require(compartment);
        if (compartment != "Patient")
            throw Core.FhirOutcomeException.BadRequest($"Compartment search is supported for the Patient compartment, not {compartment}.");
        return RunSearchAsync(context, new SearchScope(ResourceTypes.Require(type), new FhirPortal.Search.CompartmentCondition(compartment, id)), search);
    }

    /// <summary>GET parameters, plus the form body of <c>POST .../_search</c>.</summary>
    public static async Task RunSearchAsync(HttpContext context, SearchScope scope, SearchInteraction search)
    {
        var parameters = FhirRequest.Parameters(context.Request).ToList();
        if (HttpMethods.IsPost(context.Request.Method))
        {
            if (!context.Request.HasFormContentType)
                throw Core.FhirOutcomeException.UnsupportedMediaType("POST _search needs an application/x-www-form-urlencoded body.");
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            parameters.AddRange(form.SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string>(p.Key, v ?? ""))));
        }
        var bundle = await search.ExecuteAsync(FhirBase.Of(context), scope, parameters, FhirRequest.StrictHandling(context.Request), context.RequestAborted);
        await FhirOutput.WriteBundleAsync(context, bundle, FhirBase.Of(context));
    }

    public static async Task History(HttpContext context, string type, HistoryInteraction history)
    {
        var bundle = await history.ExecuteAsync(FhirBase.Of(context), ResourceTypes.Require(type), null, FhirRequest.Parameters(context.Request), context.RequestAborted);
        await FhirOutput.WriteBundleAsync(context, bundle, FhirBase.Of(context));
    }

    public static async Task ConditionalUpdate(HttpContext context, string type, UpdateInteraction update)
    {
        var criteria = Criteria(context, type);
        var body = await FhirRequest.ReadResourceAsync(context, InteractionResponses.MaxResourceBytes(context));
        var ifMatch = FhirRequest.Header(context.Request, HeaderNames.IfMatch);
        var result = await update.UpdateConditionalAsync(type, criteria, body, ifMatch, context.RequestAborted);
        await InteractionResponses.WriteAsync(context, result);
    }

    public static async Task ConditionalPatch(HttpContext context, string type, PatchInteraction patch, FhirParser parser)
    {
        var criteria = Criteria(context, type);
        var document = await InstanceEndpoints.ReadPatchAsync(context, parser);
        var ifMatch = FhirRequest.Header(context.Request, HeaderNames.IfMatch);
        var result = await patch.PatchConditionalAsync(type, criteria, document, ifMatch, context.RequestAborted);
        await InteractionResponses.WriteAsync(context, result);
    }

    public static async Task ConditionalDelete(HttpContext context, string type, DeleteInteraction delete)
    {
        var criteria = Criteria(context, type);
        var ifMatch = FhirRequest.Header(context.Request, HeaderNames.IfMatch);
        var result = await delete.DeleteConditionalAsync(type, criteria, ifMatch, context.RequestAborted);
        await InteractionResponses.WriteAsync(context, result);
    }

    private static string Criteria(HttpContext context, string type)
    {
        ResourceTypes.Require(type);
        var query = context.Request.QueryString.Value?.TrimStart('?') ?? "";
        // Result-shaping parameters are not criteria.
        var criteria = string.Join("&", query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.StartsWith("_format=", StringComparison.Ordinal) && !p.StartsWith("_pretty=", StringComparison.Ordinal)));
        return criteria.Length > 0
            ? criteria
            : throw Core.FhirOutcomeException.MethodNotAllowed($"{context.Request.Method} on {type} without search criteria is not allowed; name a resource id or give criteria.");
    }
}
