using FhirPortal.Core.Access;
using System.Text.Json;
using FhirPortal.Core;
using FhirPortal.Core.Operations.Export;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// Bulk Data 2.0 $export (https://hl7.org/fhir/uv/bulkdata/export.html): kick-off at system, Patient and
/// Group/[id] level (202 + Content-Location), the status URL (202 with X-Progress while running, 200 with the
/// manifest when done, DELETE to cancel), and the NDJSON files. Status and files are served only to the client
/// that started the job. Mapped in its own /fhir group: file requests send Accept: application/fhir+ndjson,
/// which the FHIR group's content negotiation would refuse.
/// </summary>
public static class ExportEndpoints
{
    public static IEndpointRouteBuilder MapExportApi(this IEndpointRouteBuilder app)
    {
        var fhir = app.MapGroup("/fhir").WithTags("Bulk Data");
        fhir.MapGet("/$export", System).WithSummary("Bulk Data export of all resources (Prefer: respond-async)");
        fhir.MapPost("/$export", System).WithSummary("Bulk Data export of all resources (Parameters body)");
        fhir.MapGet("/Patient/$export", Patient).WithSummary("Bulk Data export of all patients' records");
        fhir.MapPost("/Patient/$export", Patient).WithSummary("Bulk Data export of patients' records (patient parameter)");
        fhir.MapGet("/Group/{id}/$export", Group).WithSummary("Bulk Data export of a Group's patients");
        fhir.MapPost("/Group/{id}/$export", Group).WithSummary("Bulk Data export of a Group's patients (Parameters body)");
        fhir.MapGet("/$export-status/{jobId}", Status).WithSummary("export job status and manifest");
        fhir.MapDelete("/$export-status/{jobId}", Delete).WithSummary("cancel an export job and delete its files");
        fhir.MapGet("/$export-status/{jobId}/{file}", File).WithSummary("an NDJSON file of a finished export");
        return app;
    }

    public static Task System(HttpContext context, ExportKickoff kickoff, ExportJobs jobs) =>
        KickOffAsync(context, ExportLevel.System, null, kickoff, jobs);

    public static Task Patient(HttpContext context, ExportKickoff kickoff, ExportJobs jobs) =>
        KickOffAsync(context, ExportLevel.Patient, null, kickoff, jobs);

    public static Task Group(HttpContext context, string id, ExportKickoff kickoff, ExportJobs jobs) =>
        KickOffAsync(context, ExportLevel.Group, id, kickoff, jobs);

    public static async Task Status(HttpContext context, string jobId, ExportJobs jobs, ExportOptions options)
    {
        var state = await OwnJobAsync(context, jobId, jobs);
        var response = context.Response;
        switch (state.Status)
        {
            case ExportJobState.Running:
                response.StatusCode = StatusCodes.Status202Accepted;
                response.Headers["X-Progress"] = state.Types.Count == 0 ? "starting"
                    : $"{state.Exported} resources exported; type {Math.Min(state.TypeIndex + 1, state.Types.Count)} of {state.Types.Count}";
                response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(global::System.Globalization.CultureInfo.InvariantCulture);
                return;
            case ExportJobState.Failed:
                await FhirOutput.WritePocoAsync(context, Outcomes.Error(OperationOutcome.IssueType.Exception, $"The export failed: {state.Error}"), 500);
                return;
        }
        var root = $"{FhirBase.Of(context).TrimEnd('/')}/$export-status/{jobId}";
        var errorFile = Path.Combine(jobs.JobDirectory(jobId), ExportJobs.ErrorFileName);
        response.StatusCode = 200;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.Expires = (state.Finished!.Value + options.Retention).ToString("R");
        await using var w = new Utf8JsonWriter(response.Body);
        w.WriteStartObject();
        w.WriteString("transactionTime", state.TransactionTime.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"));
        w.WriteString("request", state.Request);
        w.WriteBoolean("requiresAccessToken", true);
        w.WriteStartArray("output");
        foreach (var file in state.Files)
        {
            w.WriteStartObject();
            w.WriteString("type", file.Type);
            w.WriteString("url", $"{root}/{file.Name}");
            w.WriteNumber("count", file.Count);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("error");
        if (global::System.IO.File.Exists(errorFile))
        {
            w.WriteStartObject();
            w.WriteString("type", "OperationOutcome");
            w.WriteString("url", $"{root}/{ExportJobs.ErrorFileName}");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        await w.FlushAsync(context.RequestAborted);
    }

    public static async Task Delete(HttpContext context, string jobId, ExportJobs jobs)
    {
        await OwnJobAsync(context, jobId, jobs);
        await jobs.DeleteAsync(jobId, context.RequestAborted);
        await FhirOutput.WritePocoAsync(context, Outcomes.Information($"Export job {jobId} was cancelled and its files deleted."), StatusCodes.Status202Accepted);
    }

    public static async Task File(HttpContext context, string jobId, string file, ExportJobs jobs)
    {
        var path = await jobs.FileAsync(jobId, file, OperationRequest.Caller(context), context.RequestAborted);
        context.Response.ContentType = "application/fhir+ndjson";
        await context.Response.SendFileAsync(path, context.RequestAborted);
    }

    private static async Task KickOffAsync(HttpContext context, ExportLevel level, string? groupId, ExportKickoff kickoff, ExportJobs jobs)
    {
        OutputShape.From(context.Request); // Accept must allow FHIR JSON (406 otherwise)
        if (!context.Request.Headers["Prefer"].Any(p => p?.Contains("respond-async", StringComparison.OrdinalIgnoreCase) == true))
            throw FhirOutcomeException.BadRequest("$export runs asynchronously: send the header 'Prefer: respond-async'.");
        var parameters = await OperationRequest.ParametersAsync(context);
        var url = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{context.Request.Path}{context.Request.QueryString}";
        var state = await kickoff.ParseAsync(level, groupId, parameters, OperationRequest.Caller(context), url,
            context.RequestServices.GetRequiredService<CallerContext>().Current, context.RequestAborted);
        var id = await jobs.StartAsync(state, context.RequestAborted);
        context.Response.Headers.ContentLocation = $"{FhirBase.Of(context).TrimEnd('/')}/$export-status/{id}";
        await FhirOutput.WritePocoAsync(context,
            Outcomes.Information("The export started; poll the Content-Location URL for its status."), StatusCodes.Status202Accepted);
    }

    /// <summary>The job, if it exists and the caller started it (404 / 403 otherwise).</summary>
    private static async Task<ExportJobState> OwnJobAsync(HttpContext context, string jobId, ExportJobs jobs)
    {
        var state = await jobs.ReadAsync(jobId, context.RequestAborted)
                    ?? throw FhirOutcomeException.NotFound($"There is no export job '{jobId}' (it may have been deleted or expired).");
        // Note: requiresAccessToken is true, so only the client that kicked the job off may see its status and files.
        if (state.Owner != OperationRequest.Caller(context))
            throw FhirOutcomeException.Single(403, OperationOutcome.IssueType.Forbidden, $"Export job {jobId} was started by another client.");
        return state;
    }
}
