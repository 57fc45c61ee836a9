using System.Text.Json;
using FhirPortal.Core;
using FhirPortal.Core.Operations.Import;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// Bulk Data <c>$import</c> (the Microsoft FHIR server's Parameters shape): kick-off (202 + Content-Location), the status
/// URL (202 with X-Progress while running, 200 with the result: counts per input and the error file; DELETE stops the
/// job) and the error file. Status and file are served only to the client that started the job. Mapped in its own
/// /fhir group, like $export: the error file is requested with Accept: application/fhir+ndjson.
/// </summary>
public static class ImportEndpoints
{
    public static IEndpointRouteBuilder MapImportApi(this IEndpointRouteBuilder app)
    {
        var fhir = app.MapGroup("/fhir").WithTags("Bulk Data");
        fhir.MapPost("/$import", Start).WithSummary("Bulk Data import of NDJSON files (Parameters body, Prefer: respond-async)");
        fhir.MapGet("/$import-status/{jobId}", Status).WithSummary("import job status and result");
        fhir.MapDelete("/$import-status/{jobId}", Delete).WithSummary("stop an import job (committed batches stay)");
        fhir.MapGet("/$import-status/{jobId}/{file}", File).WithSummary("the error file of a finished import (one OperationOutcome per rejected line)");
        return app;
    }

    public static async System.Threading.Tasks.Task Start(HttpContext context, ImportJobs jobs)
    {
        OutputShape.From(context.Request); // Accept must allow FHIR JSON (406 otherwise)
        if (!context.Request.Headers["Prefer"].Any(p => p?.Contains("respond-async", StringComparison.OrdinalIgnoreCase) == true))
            throw FhirOutcomeException.BadRequest("$import runs asynchronously: send the header 'Prefer: respond-async'.");
        Parameters? parameters = null;
        if (context.Request.ContentLength != 0 && (context.Request.ContentLength is not null || context.Request.ContentType is not null))
            parameters = await FhirRequest.ReadResourceAsync(context, InteractionResponses.MaxResourceBytes(context)) as Parameters
                         ?? throw FhirOutcomeException.BadRequest("The $import body must be a Parameters resource.");
        var url = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{context.Request.Path}";
        var id = await jobs.StartAsync(parameters, OperationRequest.Caller(context), url, context.RequestAborted);
        context.Response.Headers.ContentLocation = $"{FhirBase.Of(context).TrimEnd('/')}/$import-status/{id}";
        await FhirOutput.WritePocoAsync(context,
            Outcomes.Information("The import started; poll the Content-Location URL for its status."), StatusCodes.Status202Accepted);
    }

    public static async System.Threading.Tasks.Task Status(HttpContext context, string jobId, ImportJobs jobs, ImportOptions options)
    {
        var state = await jobs.OwnAsync(jobId, OperationRequest.Caller(context), context.RequestAborted);
        var response = context.Response;
        switch (state.Status)
        {
            case ImportJobState.Running:
                response.StatusCode = StatusCodes.Status202Accepted;
                response.Headers["X-Progress"] = $"{state.ImportedTotal} resources imported, {state.RejectedTotal} lines rejected; input {Math.Min(state.InputIndex + 1, state.Inputs.Count)} of {state.Inputs.Count}";
                response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(global::System.Globalization.CultureInfo.InvariantCulture);
                return;
            case ImportJobState.Failed:
                await FhirOutput.WritePocoAsync(context, Outcomes.Error(OperationOutcome.IssueType.Exception, $"The import failed: {state.Error}"), 500);
                return;
        }
        var root = $"{FhirBase.Of(context).TrimEnd('/')}/$import-status/{jobId}";
        response.StatusCode = 200;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.Expires = (state.Finished!.Value + options.Retention).ToString("R");
        await using var w = new Utf8JsonWriter(response.Body);
        w.WriteStartObject();
        w.WriteString("transactionTime", state.TransactionTime.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"));
        w.WriteString("request", state.Request);
        w.WriteStartArray("output");
        for (var i = 0; i < state.Inputs.Count; i++)
        {
            w.WriteStartObject();
            w.WriteString("type", state.Inputs[i].Type);
            w.WriteNumber("count", state.Imported[i]);
            w.WriteString("inputUrl", state.Inputs[i].Url);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("error");
        if (state.RejectedTotal > 0)
        {
            w.WriteStartObject();
            w.WriteString("type", "OperationOutcome");
            w.WriteNumber("count", state.RejectedTotal);
            w.WriteString("url", $"{root}/{ImportJobs.ErrorFileName}");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        await w.FlushAsync(context.RequestAborted);
    }

    public static async System.Threading.Tasks.Task Delete(HttpContext context, string jobId, ImportJobs jobs)
    {
        await jobs.DeleteAsync(jobId, OperationRequest.Caller(context), context.RequestAborted);
        await FhirOutput.WritePocoAsync(context,
            Outcomes.Information($"Import job {jobId} was stopped; the batches it had committed stay."), StatusCodes.Status202Accepted);
    }

    public static async System.Threading.Tasks.Task File(HttpContext context, string jobId, string file, ImportJobs jobs)
    {
        var path = await jobs.ErrorFileAsync(jobId, file, OperationRequest.Caller(context), context.RequestAborted);
        context.Response.ContentType = "application/fhir+ndjson";
        await context.Response.SendFileAsync(path, context.RequestAborted);
    }
}
