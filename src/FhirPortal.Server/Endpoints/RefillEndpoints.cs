using FhirPortal.Core.Refills;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// Prescription refills: <c>POST MedicationRequest/{id}/$request-refill</c> creates the refill request Task (201 with
/// Location), or answers 409 with an OperationOutcome and a Location naming the open request.
/// </summary>
internal static class RefillEndpoints
{
    public static RouteGroupBuilder MapRefillApi(this RouteGroupBuilder fhir)
    {
        fhir.MapPost("/MedicationRequest/{id}/$request-refill", RequestAsync).WithSummary("request a prescription refill: creates its Task ($request-refill)");
        return fhir;
    }

    private static async Task RequestAsync(HttpContext context, string id, RefillRequests refills)
    {
        var result = await refills.RequestAsync(id, context.RequestAborted);
        if (result is { Status: 409, Resource: { } open, Outcome: { } outcome })
        {
            context.Response.Headers.Location = $"{FhirBase.Of(context)}/{open.Key}";
            await FhirOutput.WritePocoAsync(context, outcome, 409);
            return;
        }
        await InteractionResponses.WriteAsync(context, result);
    }
}
