using FhirPortal.Core.Summary;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// Patient/[id]/$summary (IPS): the document Bundle; <c>_download=pdf|html</c> a readable attachment,
/// <c>_download=true</c> the Bundle as an attachment (JSON or XML by <c>_format</c>).
/// </summary>
internal static class SummaryEndpoints
{
    public static RouteGroupBuilder MapSummaryApi(this RouteGroupBuilder fhir)
    {
        fhir.MapMethods("/Patient/{id}/$summary", [HttpMethods.Get, HttpMethods.Head], SummaryAsync).WithSummary("the patient's International Patient Summary ($summary)");
        fhir.MapPost("/Patient/{id}/$summary", SummaryAsync).WithSummary("the patient's International Patient Summary ($summary, Parameters body)");
        return fhir;
    }

    private static async Task SummaryAsync(HttpContext context, string id, PatientSummaryOperation summary)
    {
        var parameters = await OperationRequest.ParametersAsync(context);
        var result = await summary.ExecuteAsync(FhirBase.Of(context), id, parameters, context.RequestAborted);
        if (result.File is { Content: not null } file)
        {
            await ReadableDownload.WriteAsync(context, file);
            return;
        }
        if (result.File is { } bundleFile)
        {
            var json = OutputShape.From(context.Request).Format == FhirFormat.Json;
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"{bundleFile.Name}.{(json ? "json" : "xml")}\"";
        }
        await FhirOutput.WritePocoAsync(context, result.Document, StatusCodes.Status200OK);
    }
}
