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
            OutputShape.From(context.HttpContext.Request);
            return await next(context);
        });

        fhir.MapGet("/metadata", SystemEndpoints.Metadata).WithSummary("CapabilityStatement (capabilities)");
        fhir.MapPost("/", SystemEndpoints.Bundle).WithSummary("batch or transaction Bundle");
        fhir.MapGet("/_history", SystemEndpoints.History).WithSummary("history of all resources");
        fhir.MapPost("/$reindex", ReindexEndpoints.System).WithSummary("$reindex all resources (async job)");
        fhir.MapGet("/$reindex/{jobId}", ReindexEndpoints.Status).WithSummary("$reindex job status");
        fhir.MapPost("/{type}/$reindex", ReindexEndpoints.Type).WithSummary("$reindex one type (async job)");
        fhir.MapPost("/{type}/{id}/$reindex", ReindexEndpoints.Instance).WithSummary("$reindex one resource");
        fhir.MapValidationApi();
        fhir.MapEverythingApi();
        fhir.MapActivationCodeApi();
        app.MapExportApi();
        fhir.MapGet("/", SystemEndpoints.Search).WithSummary("search across types (_type)");
        fhir.MapPost("/_search", SystemEndpoints.Search).WithSummary("search across types (form-encoded POST)");

        fhir.MapGet("/{type}", TypeEndpoints.Search).WithSummary("search");
        fhir.MapPost("/{type}/_search", TypeEndpoints.Search).WithSummary("search (form-encoded POST)");
        fhir.MapPost("/{type}", TypeEndpoints.Create).WithSummary("create (If-None-Exist for conditional create)");
        fhir.MapPut("/{type}", TypeEndpoints.ConditionalUpdate).WithSummary("conditional update");
        fhir.MapPatch("/{type}", TypeEndpoints.ConditionalPatch).WithSummary("conditional patch");
        fhir.MapDelete("/{type}", TypeEndpoints.ConditionalDelete).WithSummary("conditional delete");
        fhir.MapGet("/{type}/_history", TypeEndpoints.History).WithSummary("history of a type");

        fhir.MapGet("/{type}/{id}", InstanceEndpoints.Read).WithSummary("read (If-None-Match, If-Modified-Since)");
        fhir.MapPut("/{type}/{id}", InstanceEndpoints.Update).WithSummary("update or create with a client id (If-Match)");
        fhir.MapPatch("/{type}/{id}", InstanceEndpoints.Patch).WithSummary("patch: JSON Patch or FHIRPath Patch (If-Match)");
        fhir.MapDelete("/{type}/{id}", InstanceEndpoints.Delete).WithSummary("delete (If-Match)");
        fhir.MapGet("/{type}/{id}/_history", SystemEndpoints.InstanceHistory).WithSummary("history of a resource");
        fhir.MapGet("/{type}/{id}/_history/{versionId}", InstanceEndpoints.VRead).WithSummary("vread");
        fhir.MapGet("/{compartment}/{id}/{type}", TypeEndpoints.CompartmentSearch).WithSummary("search within a patient's compartment");
        return fhir;
    }
}
