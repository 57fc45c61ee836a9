using Hl7.Fhir.Model;
using Status = Hl7.Fhir.Model.Appointment.AppointmentStatus;

namespace FhirPortal.Core.Scheduling;

/// <summary>
/// R4 Appointment statuses as scheduling sees them (https://hl7.org/fhir/R4/appointment.html#status): which occupy a
/// slot, which are final, and the hold's expiry, kept in an extension on the pending Appointment and on its Slot.
/// </summary>
public static class AppointmentStates
{
    /// <summary>The hold's expiry (valueInstant) on a pending Appointment and on its busy-tentative Slot.</summary>
    public const string HoldExpiresUrl = "http://fhirportal.org/fhir/StructureDefinition/hold-expires";

    /// <summary>Statuses that keep a slot busy (pending: tentatively, until its hold expires).</summary>
    public static bool Occupies(Status? status) => status is Status.Pending or Status.Booked or Status.Arrived or Status.CheckedIn;

    /// <summary>Statuses of a confirmed booking: the patient is expected at that time.</summary>
    public static bool IsBooked(Status? status) => status is Status.Booked or Status.Arrived or Status.CheckedIn;

    /// <summary>Final statuses: such an appointment changes only to entered-in-error (a fulfilled visit is never re-booked).</summary>
    public static bool IsFinal(Status? status) => status is Status.Fulfilled or Status.Noshow or Status.Cancelled or Status.EnteredInError;

    /// <summary>The search codes of <see cref="Occupies"/>.</summary>
    public const string OccupyingCodes = "pending,booked,arrived,checked-in";

    public const string BookedCodes = "booked,arrived,checked-in";

    public static DateTimeOffset? HoldExpires(DomainResource resource) =>
        (resource.GetExtension(HoldExpiresUrl)?.Value as Instant)?.Value;

    public static void SetHoldExpires(DomainResource resource, DateTimeOffset? expires)
    {
        resource.RemoveExtension(HoldExpiresUrl);
        if (expires is { } at) resource.SetExtension(HoldExpiresUrl, new Instant(at));
    }

    /// <summary>Whether the appointment holds its slots at <paramref name="now"/>: occupying, and not a lapsed hold.</summary>
    public static bool HoldsSlots(Appointment appointment, DateTimeOffset now) =>
        Occupies(appointment.Status)
        && !(appointment.Status == Status.Pending && HoldExpires(appointment) is { } expires && expires <= now);

    /// <summary>Slot ids (local <c>Slot/id</c> references) the appointment names.</summary>
    public static IReadOnlyList<string> SlotIds(Appointment appointment) =>
        appointment.Slot.Select(s => s.Reference?.Split('/') is [.., "Slot", var id] ? id : null).OfType<string>().Distinct().ToList();

    /// <summary>Patient ids among the participants (who did not decline).</summary>
    public static IReadOnlyList<string> PatientIds(Appointment appointment) =>
        appointment.Participant
            .Where(p => p.Status != ParticipationStatus.Declined)
            .Select(p => p.Actor?.Reference?.Split('/') is [.., "Patient", var id] ? id : null)
            .OfType<string>().Distinct().ToList();
}
