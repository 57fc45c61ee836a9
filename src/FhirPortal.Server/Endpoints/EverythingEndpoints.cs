using FhirPortal.Core.Access;
using FhirPortal.Core.Operations;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// Patient/$everything (https://hl7.org/fhir/R4/patient-operation-everything.html), GET or POST (Parameters body),
/// for one patient or (type level) every patient. <c>_download=true</c> returns the whole record as one Bundle
/// file (Content-Disposition: attachment), streamed page by page instead of paged with next links;
/// <c>_download=pdf|html</c> the record rendered for people to read.
/// </summary>
public static class EverythingEndpoints
{
    public static RouteGroupBuilder MapEverythingApi(this RouteGroupBuilder fhir)
    {
        fhir.MapGet("/Patient/$everything", Type).WithSummary("$everything for every patient");
        fhir.MapPost("/Patient/$everything", Type).WithSummary("$everything for every patient (Parameters body)");
        fhir.MapGet("/Patient/{id}/$everything", Instance).WithSummary("a patient's whole record ($everything)");
        fhir.MapPost("/Patient/{id}/$everything", Instance).WithSummary("a patient's whole record ($everything, Parameters body)");
        return fhir;
    }

    public static Task Type(HttpContext context, EverythingOperation everything, CallerContext callers) => RunAsync(context, null, everything, callers);

    public static Task Instance(HttpContext context, string id, EverythingOperation everything, CallerContext callers) =>
        RunAsync(context, id, everything, callers);

    private static async Task RunAsync(HttpContext context, string? id, EverythingOperation everything, CallerContext callers)
    {
        var parameters = await OperationRequest.ParametersAsync(context);
        var baseUrl = FhirBase.Of(context);
        var result = await everything.ExecuteAsync(baseUrl, id, parameters, callers.Current, context.RequestAborted);
        if (result.Readable is { } readable)
            await ReadableDownload.WriteAsync(context, readable);
        else if (result.Download is { } download)
            await FhirOutput.WriteBundleFileAsync(context, download.Name, result.Bundle, download.Pages, baseUrl);
        else
            await FhirOutput.WriteBundleAsync(context, result.Bundle, baseUrl);
    }
}
