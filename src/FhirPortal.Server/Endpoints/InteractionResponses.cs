using FhirPortal.Core;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server.Endpoints;

/// <summary>Turns a write's <see cref="InteractionResult"/> into status, headers (Location, ETag) and the preferred body.</summary>
internal static class InteractionResponses
{
    public static async Task WriteAsync(HttpContext context, InteractionResult result)
    {
        var response = context.Response;
        var stored = result.Resource;
        if (stored is null)
        {
            if (result.Outcome is not null && result.Status != 204) await FhirOutput.WritePocoAsync(context, result.Outcome, result.Status);
            else response.StatusCode = result.Status;
            return;
        }
        if (result.Status == 201)
        {
            response.Headers.Location = $"{FhirBase.Of(context)}/{stored.Key}/_history/{stored.VersionId}";
        }
        if (stored.IsDeleted || result.Status == 204)
        {
            response.StatusCode = 204;
            FhirOutput.VersionHeaders(response, stored);
            return;
        }
        switch (FhirRequest.ReturnPreference(context.Request))
        {
            case ReturnPreference.Minimal:
                await FhirOutput.WriteStoredAsync(context, stored, result.Status, withBody: false);
                break;
            case ReturnPreference.OperationOutcome:
                FhirOutput.VersionHeaders(response, stored);
                // Warnings the write was accepted with (e.g. an unknown claimed profile) come first.
                var outcome = Outcomes.Information($"{StatusText.For(result.Status)}: {stored.Key} is at version {stored.VersionId}.");
                if (result.Outcome is { } warnings) outcome.Issue.InsertRange(0, warnings.Issue);
                await FhirOutput.WritePocoAsync(context, outcome, result.Status);
                break;
            default:
                await FhirOutput.WriteStoredAsync(context, stored, result.Status);
                break;
        }
    }

    public static long MaxResourceBytes(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<FhirPortalOptions>>().Value.Limits.MaxResourceBytes;

    public static long MaxRequestBytes(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<FhirPortalOptions>>().Value.Limits.MaxRequestBytes;
}
