using FhirPortal.Core.Access;
using FhirPortal.Core.Notifications;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Scheduling;

/// <summary>What happened to an appointment, as its AuditEvent and the patient's confirmation say.</summary>
public enum AppointmentChange { Booked, Rescheduled, Cancelled }

/// <summary>
/// For every booking, reschedule and cancellation (by $book or a plain write), stages in the same unit of work an
/// AuditEvent (in the patient's compartment, so the patient sees it) and a confirmation to each patient: a notice of
/// category <c>appointment</c> queued in the notification outbox (<see cref="NoticeOutbox"/>), sent by email or text.
/// </summary>
internal static class AppointmentNotices
{
    /// <summary>The change from <paramref name="before"/> to <paramref name="after"/> worth a notice, if any.</summary>
    public static AppointmentChange? ChangeOf(Appointment? before, Appointment? after)
    {
        if (after is null) return null;
        if (after.Status == Appointment.AppointmentStatus.Cancelled)
            return before is not null && AppointmentStates.IsBooked(before.Status) ? AppointmentChange.Cancelled : null;
        if (!AppointmentStates.IsBooked(after.Status)) return null;
        if (before is null || !AppointmentStates.IsBooked(before.Status)) return AppointmentChange.Booked;
        return before.Start != after.Start || !AppointmentStates.SlotIds(before).SequenceEqual(AppointmentStates.SlotIds(after))
            ? AppointmentChange.Rescheduled : null;
    }

    public static async Task StageAsync(UnitOfWork unit, NoticeOutbox outbox, StoredResource version, Appointment appointment, AppointmentChange change, CancellationToken ct)
    {
        var what = change switch
        {
            AppointmentChange.Booked => "booked",
            AppointmentChange.Rescheduled => "moved",
            _ => "cancelled",
        };
        var when = appointment.Start is { } start ? start.ToString("dddd d MMMM yyyy 'at' HH:mm (zzz)", System.Globalization.CultureInfo.InvariantCulture) : "(no time set)";
        var text = $"Your appointment on {when} has been {what}.";
        var patients = AppointmentStates.PatientIds(appointment);
        // The server builds the record from fixed parts (ServerRecordValidityTests): stored without validation.
        unit.StageNewTrustedForRule(Audit(unit.Access.Caller, unit.Now, version, appointment, change, patients, text));
        // The confirmation goes through the notification outbox: queued in this unit, sent by the dispatcher.
        foreach (var patient in patients)
            await outbox.StageAsync(unit, new Notice(patient, "appointment", new ResourceReference($"Appointment/{version.Key.Id}"),
                $"Appointment {what}", text, $"appointment-{what}/{version.Key.Id}/{version.VersionId}/{patient}"), ct);
    }

    /// <summary>The AuditEvent of a booking, reschedule or cancellation by <paramref name="caller"/>.</summary>
    internal static AuditEvent Audit(Caller caller, DateTimeOffset now, StoredResource version, Appointment appointment, AppointmentChange change, IReadOnlyList<string> patients, string text)
    {
        var entities = new List<AuditEvent.EntityComponent>
        {
            new() { What = new ResourceReference($"Appointment/{version.Key.Id}/_history/{version.VersionId}") },
        };
        entities.AddRange(patients.Select(p => new AuditEvent.EntityComponent
        {
            What = new ResourceReference($"Patient/{p}"),
            Role = new Coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"),
        }));
        return new AuditEvent
        {
            Type = new Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"),
            Subtype = [new Coding("http://fhirportal.org/fhir/CodeSystem/appointment-change", change.ToString().ToLowerInvariant())],
            Action = change == AppointmentChange.Booked ? AuditEvent.AuditEventAction.C : AuditEvent.AuditEventAction.U,
            Recorded = now,
            Outcome = AuditEvent.AuditEventOutcome.N0,
            OutcomeDesc = text,
            Agent =
            [
                new AuditEvent.AgentComponent
                {
                    Requestor = true,
                    Who = caller.FhirUser is { } user ? new ResourceReference(user) : null,
                    AltId = caller.ClientId,
                    Name = caller.FhirUser ?? caller.ClientId ?? (caller.Unrestricted ? "anonymous (security off)" : null),
                },
            ],
            Source = new AuditEvent.SourceComponent { Site = "FhirPortal", Observer = new ResourceReference { Display = "FhirPortal scheduling" } },
            Entity = entities,
        };
    }
}
