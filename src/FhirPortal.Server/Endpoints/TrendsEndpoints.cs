using FhirPortal.Core.Trends;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// Health trends: <c>GET|POST Observation/$lastn</c> (the newest Observations per code, a searchset) and
/// <c>GET|POST Observation/$stats</c> (statistics per code, Parameters). Each parses the request, makes one call
/// into Core.Trends and writes the result.
/// </summary>
internal static class TrendsEndpoints
{
    public static RouteGroupBuilder MapTrendsApi(this RouteGroupBuilder fhir)
    {
        fhir.MapMethods("/Observation/$lastn", [HttpMethods.Get, HttpMethods.Head], LastNAsync).WithSummary("the newest Observations per code ($lastn)");
        fhir.MapPost("/Observation/$lastn", LastNAsync).WithSummary("the newest Observations per code ($lastn, Parameters body)");
        fhir.MapMethods("/Observation/$stats", [HttpMethods.Get, HttpMethods.Head], StatsAsync).WithSummary("statistics of a subject's Observations per code ($stats)");
        fhir.MapPost("/Observation/$stats", StatsAsync).WithSummary("statistics of a subject's Observations per code ($stats, Parameters body)");
        return fhir;
    }

    private static async System.Threading.Tasks.Task LastNAsync(HttpContext context, LastNOperation lastN)
    {
        var parameters = await OperationRequest.ParametersAsync(context);
        var baseUrl = FhirBase.Of(context);
        await FhirOutput.WriteBundleAsync(context, await lastN.ExecuteAsync(baseUrl, parameters, context.RequestAborted), baseUrl);
    }

    private static async System.Threading.Tasks.Task StatsAsync(HttpContext context, StatsOperation stats)
    {
        var parameters = await OperationRequest.ParametersAsync(context);
        await FhirOutput.WritePocoAsync(context, await stats.ExecuteAsync(parameters, context.RequestAborted), StatusCodes.Status200OK);
    }
}
