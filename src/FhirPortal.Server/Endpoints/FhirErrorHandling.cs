using FhirPortal.Core;
using FhirPortal.Core.Interactions;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Diagnostics;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// The one place errors become responses: typed outcomes keep their status, bare status codes from routing
/// (404, 405) get an OperationOutcome body, and anything unexpected is a 500 without internals.
/// </summary>
public static class FhirErrorHandling
{
    public static void UseFhirErrors(this WebApplication app)
    {
        // Order matters: the last-resort handler wraps the others, typed outcomes are translated innermost.
        app.UseExceptionHandler(handler => handler.Run(async context =>
        {
            var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            context.RequestServices.GetRequiredService<ILogger<FhirOutcomeException>>()
                .LogError(error, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
            await FhirOutput.WritePocoAsync(context,
                Outcomes.Error(OperationOutcome.IssueType.Exception, "The server failed to process the request; it has been logged."), 500);
        }));

        app.UseStatusCodePages(async statusContext =>
        {
            var context = statusContext.HttpContext;
            if (!context.Request.Path.StartsWithSegments("/fhir")) return;
            var status = context.Response.StatusCode;
            var message = status switch
            {
                404 => $"{context.Request.Path} is not a FHIR endpoint of this server.",
                405 => $"{context.Request.Method} is not allowed on {context.Request.Path}.",
                _ => $"The request failed with status {status}.",
            };
            await FhirOutput.WritePocoAsync(context,
                Outcomes.Error(status == 405 ? OperationOutcome.IssueType.NotSupported : OperationOutcome.IssueType.NotFound, message), status);
        });

        app.Use(async (context, next) =>
        {
            try
            {
                await next();
            }
            catch (Exception e) when (!context.Response.HasStarted && Translate(e) is { } error)
            {
                context.Response.Clear();
                if (e is ReadInteraction.DeletedException deleted) FhirOutput.VersionHeaders(context.Response, deleted.Tombstone);
                await FhirOutput.WritePocoAsync(context, error.Outcome, error.Status);
            }
        });
    }

    private static FhirOutcomeException? Translate(Exception e) => e switch
    {
        FhirOutcomeException outcome => outcome,
        ReadInteraction.DeletedException deleted => deleted.ToOutcome(),
        BadHttpRequestException bad when bad.StatusCode == 413 => FhirOutcomeException.TooLarge(bad.Message),
        BadHttpRequestException bad => FhirOutcomeException.BadRequest(bad.Message),
        FhirPortal.Storage.StoreLimitException limit => FhirOutcomeException.TooLarge(limit.Message),
        FhirPortal.Storage.StoreNotSupportedException unsupported => FhirOutcomeException.Single(501, OperationOutcome.IssueType.NotSupported, unsupported.Message),
        _ => null,
    };
}
