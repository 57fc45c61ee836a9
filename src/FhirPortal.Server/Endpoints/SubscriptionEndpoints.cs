using FhirPortal.Core;
using FhirPortal.Core.Subscriptions;

namespace FhirPortal.Server.Endpoints;

/// <summary><c>Subscription/{id}/$status</c> and <c>$events</c> (Subscriptions R5 Backport IG for R4).</summary>
internal static class SubscriptionEndpoints
{
    public static RouteGroupBuilder MapSubscriptionApi(this RouteGroupBuilder fhir)
    {
        fhir.MapMethods("/Subscription/{id}/$status", [HttpMethods.Get, HttpMethods.Post], StatusAsync).WithSummary("a subscription's SubscriptionStatus ($status)");
        fhir.MapMethods("/Subscription/{id}/$events", [HttpMethods.Get, HttpMethods.Post], EventsAsync).WithSummary("a subscription's recorded events ($events)");
        return fhir;
    }

    private static async Task StatusAsync(HttpContext context, string id, SubscriptionStatusOperation operation) =>
        await FhirOutput.WritePocoAsync(context, await operation.StatusAsync(id, BaseUrl(context), context.RequestAborted), 200);

    private static async Task EventsAsync(HttpContext context, string id, SubscriptionStatusOperation operation) =>
        await FhirOutput.WritePocoAsync(context, await operation.EventsAsync(id, BaseUrl(context),
            Number(context, "eventsSinceNumber"), Number(context, "eventsUntilNumber"), context.RequestAborted), 200);

    private static long? Number(HttpContext context, string name) =>
        context.Request.Query[name].FirstOrDefault() is not { } text ? null
        : long.TryParse(text, out var n) && n >= 0 ? n : throw FhirOutcomeException.BadRequest($"{name} must be a non-negative integer.", name);

    private static string BaseUrl(HttpContext context) => FhirBase.Of(context);
}
