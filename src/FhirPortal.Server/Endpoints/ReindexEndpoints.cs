using FhirPortal.Core;
using FhirPortal.Core.SearchParameters;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// <c>$reindex</c> at system, type and instance level. System and type level answer 202 with the job's status URL
/// in Content-Location (the async pattern of FHIR R4 async.html); the instance level runs at once.
/// </summary>
public static class ReindexEndpoints
{
    public static Task System(HttpContext context, ReindexJobs jobs) => StartAsync(context, null, jobs);

    public static Task Type(HttpContext context, string type, ReindexJobs jobs) =>
        StartAsync(context, ResourceTypes.Require(type), jobs);

    public static async Task Instance(HttpContext context, string type, string id, ReindexJobs jobs)
    {
        var key = new ResourceKey(ResourceTypes.Require(type), id);
        if (!await jobs.ReindexResourceAsync(key, context.RequestAborted))
            throw FhirOutcomeException.NotFound($"{key} is not known (or is deleted).");
        await FhirOutput.WritePocoAsync(context, Outcomes.Information($"{key} was reindexed."), StatusCodes.Status200OK);
    }

    public static async Task Status(HttpContext context, string jobId, ReindexJobs jobs)
    {
        var state = await jobs.ReadAsync(jobId, context.RequestAborted)
                    ?? throw FhirOutcomeException.NotFound($"There is no $reindex job '{jobId}'.");
        var result = new Parameters();
        result.Add("status", new Code(state.Status));
        if (state.Type is not null) result.Add("type", new Code(state.Type));
        result.Add("processed", new Integer64(state.Processed));
        result.Add("started", new Instant(state.Started));
        if (state.Finished is { } finished) result.Add("finished", new Instant(finished));
        if (state.Error is not null) result.Add("error", new FhirString(state.Error));
        await FhirOutput.WritePocoAsync(context, result, StatusCodes.Status200OK);
    }

    private static async Task StartAsync(HttpContext context, string? type, ReindexJobs jobs)
    {
        var id = await jobs.StartAsync(type, context.RequestAborted);
        context.Response.Headers.ContentLocation = $"{FhirBase.Of(context).TrimEnd('/')}/$reindex/{id}";
        await FhirOutput.WritePocoAsync(context,
            Outcomes.Information($"Reindexing {type ?? "all resources"} started; follow Content-Location for progress."),
            StatusCodes.Status202Accepted);
    }
}
