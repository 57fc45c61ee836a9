using FhirPortal.Server.Billing;
using Microsoft.AspNetCore.Http.Features;

namespace FhirPortal.Server.Endpoints;

/// <summary>The FHIR REST routes under <c>/fhir</c> (https://hl7.org/fhir/R4/http.html).</summary>
public static class FhirApi
{
    public static RouteGroupBuilder MapFhirApi(this IEndpointRouteBuilder app)
    {
        var fhir = app.MapGroup("/fhir").WithTags("FHIR");
        // Accept, _format and _summary are checked before the interaction runs, so a 406/400 never follows a write.
        fhir.AddEndpointFilter(async (context, next) =>
        {
            // HEAD runs the GET handler for its status and headers (Content-Length included); the body goes nowhere.
            if (HttpMethods.IsHead(context.HttpContext.Request.Method))
                context.HttpContext.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
            // A raw Binary read answers with the attachment's own media type, not a FHIR format.
            if (!MessagingEndpoints.IsRawBinaryRead(context.HttpContext) && !BillingEndpoints.IsStatement(context.HttpContext)) OutputShape.From(context.HttpContext.Request);
            UnknownOperations.Refuse(context.HttpContext);
            return await next(context);
        });

        MapRead(fhir, "/metadata", SystemEndpoints.Metadata).WithSummary("CapabilityStatement (capabilities)");
        fhir.MapPost("/", SystemEndpoints.Bundle).WithSummary("batch or transaction Bundle");
        MapRead(fhir, "/_history", SystemEndpoints.History).WithSummary("history of all resources");
        fhir.MapPost("/$reindex", ReindexEndpoints.System).WithSummary("$reindex all resources (async job)");
        fhir.MapGet("/$reindex/{jobId}", ReindexEndpoints.Status).WithSummary("$reindex job status");
        fhir.MapPost("/{type}/$reindex", ReindexEndpoints.Type).WithSummary("$reindex one type (async job)");
        fhir.MapPost("/{type}/{id}/$reindex", ReindexEndpoints.Instance).WithSummary("$reindex one resource");
        fhir.MapValidationApi();
        fhir.MapEverythingApi();
        fhir.MapActivationCodeApi();
        fhir.MapMetaApi();
        fhir.MapTerminologyApi();
        fhir.MapSchedulingApi();
        fhir.MapMessagingApi();
        fhir.MapSubscriptionApi();
        fhir.MapTrendsApi();
        fhir.MapSummaryApi();
        fhir.MapShareLinkApi();
        fhir.MapFormsApi();
        fhir.MapRefillApi();
        fhir.MapBillingApi();
        app.MapExportApi();
        app.MapImportApi();
        app.MapShareLinkRecipients();
        app.MapStripeWebhook();
        MapRead(fhir, "/", SystemEndpoints.Search).WithSummary("search across types (_type)");
        fhir.MapPost("/_search", SystemEndpoints.Search).WithSummary("search across types (form-encoded POST)");

        MapRead(fhir, "/{type}", TypeEndpoints.Search).WithSummary("search");
        fhir.MapPost("/{type}/_search", TypeEndpoints.Search).WithSummary("search (form-encoded POST)");
        fhir.MapPost("/{type}", TypeEndpoints.Create).WithSummary("create (If-None-Exist for conditional create)");
        fhir.MapPut("/{type}", TypeEndpoints.ConditionalUpdate).WithSummary("conditional update");
        fhir.MapPatch("/{type}", TypeEndpoints.ConditionalPatch).WithSummary("conditional patch");
        fhir.MapDelete("/{type}", TypeEndpoints.ConditionalDelete).WithSummary("conditional delete");
        MapRead(fhir, "/{type}/_history", TypeEndpoints.History).WithSummary("history of a type");

        MapRead(fhir, "/{type}/{id}", InstanceEndpoints.Read).WithSummary("read (If-None-Match, If-Modified-Since)");
        fhir.MapPut("/{type}/{id}", InstanceEndpoints.Update).WithSummary("update or create with a client id (If-Match)");
        fhir.MapPatch("/{type}/{id}", InstanceEndpoints.Patch).WithSummary("patch: JSON Patch or FHIRPath Patch (If-Match)");
        fhir.MapDelete("/{type}/{id}", InstanceEndpoints.Delete).WithSummary("delete (If-Match)");
        MapRead(fhir, "/{type}/{id}/_history", SystemEndpoints.InstanceHistory).WithSummary("history of a resource");
        MapRead(fhir, "/{type}/{id}/_history/{versionId}", InstanceEndpoints.VRead).WithSummary("vread");
        MapRead(fhir, "/{compartment}/{id}/{type}", TypeEndpoints.CompartmentSearch).WithSummary("search within a patient's compartment");
        UnknownOperations.MapFallbacks(fhir);
        return fhir;
    }

    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    /// <summary>A read-only route answers HEAD as GET without a body (https://hl7.org/fhir/R4/http.html#general).</summary>
    private static RouteHandlerBuilder MapRead(RouteGroupBuilder group, string pattern, Delegate handler) =>
        group.MapMethods(pattern, GetAndHead, handler);
}
