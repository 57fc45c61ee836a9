using FhirPortal.Core;
using FhirPortal.Core.Scheduling;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// Scheduling operations of the IHE ITI Scheduling IG: <c>GET|POST Appointment/$find</c> (ITI-115), <c>POST Appointment/$hold</c> (ITI-116) and <c>POST
/// Appointment/$book</c> (ITI-117: book, reschedule, cancel). Each parses the request, makes one call into
/// <see cref="AppointmentBooking"/> and answers with a searchset Bundle holding the resulting Appointment.
/// </summary>
internal static class SchedulingEndpoints
{
    public static RouteGroupBuilder MapSchedulingApi(this RouteGroupBuilder fhir)
    {
        fhir.MapMethods("/Appointment/$find", [HttpMethods.Get, HttpMethods.Head], FindAsync).WithSummary("find free times as proposed appointments (IHE ITI-115 $find)");
        fhir.MapPost("/Appointment/$find", FindAsync).WithSummary("find free times (IHE ITI-115 $find, Parameters body)");
        fhir.MapPost("/Appointment/$hold", HoldAsync).WithSummary("hold a proposed appointment's slot (IHE ITI-116 $hold)");
        fhir.MapPost("/Appointment/$book", BookAsync).WithSummary("book, reschedule or cancel an appointment (IHE ITI-117 $book)");
        return fhir;
    }

    private static async System.Threading.Tasks.Task FindAsync(HttpContext context, AppointmentFinder finder)
    {
        var parameters = await OperationRequest.ParametersAsync(context);
        var baseUrl = FhirBase.Of(context);
        await FhirOutput.WriteBundleAsync(context, await finder.FindAsync(baseUrl, parameters, context.RequestAborted), baseUrl);
    }

    private static async System.Threading.Tasks.Task HoldAsync(HttpContext context, AppointmentBooking booking)
    {
        var request = BookingRequest.From(await BodyAsync(context));
        await WriteAsync(context, await booking.HoldAsync(request, context.RequestAborted));
    }

    private static async System.Threading.Tasks.Task BookAsync(HttpContext context, AppointmentBooking booking)
    {
        var request = BookingRequest.From(await BodyAsync(context));
        await WriteAsync(context, await booking.BookAsync(request, context.RequestAborted));
    }

    private static async Task<Resource?> BodyAsync(HttpContext context) =>
        context.Request.ContentLength == 0 || (context.Request.ContentLength is null && context.Request.ContentType is null)
            ? null
            : await FhirRequest.ReadResourceAsync(context, InteractionResponses.MaxResourceBytes(context));

    private static System.Threading.Tasks.Task WriteAsync(HttpContext context, StoredResource appointment) =>
        FhirOutput.WriteBundleAsync(context,
            new BundleResult(Bundle.BundleType.Searchset, [new BundleEntryResult(appointment, SearchMode: Bundle.SearchEntryMode.Match)], [], Total: 1),
            FhirBase.Of(context));
}
