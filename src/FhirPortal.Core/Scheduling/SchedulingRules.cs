using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Notifications;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using Status = Hl7.Fhir.Model.Appointment.AppointmentStatus;

namespace FhirPortal.Core.Scheduling;

/// <summary>
/// The scheduling rules, run on every Appointment write (REST, transaction, $hold/$book): status transitions as R4
/// defines them, the patient cancellation window, one holder per slot unless <c>Slot.overbooked</c>, no overlapping
/// bookings of one patient. Each Slot an appointment takes or gives up gets its new status staged in the same unit,
/// so racing bookings collide on the Slot's version and the store's atomic commit lets exactly one win. Bookings,
/// reschedules and cancellations also stage their AuditEvent and confirmation (<see cref="AppointmentNotices"/>).
/// </summary>
internal sealed class SchedulingRules(SlotOccupancy occupancy, SchedulingOptions options, NoticeOutbox outbox) : IWriteRule
{
    public async Task CheckAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct)
    {
        if (write.Version.Key.Type != "Appointment") return;
        var id = write.Version.Key.Id;
        var before = Parse(write.Previous);
        var after = unit.ResourceOf(write.Version) as Appointment; // read only
        if (before is not null) CheckChange(unit, before, after);

        var held = before is not null && AppointmentStates.HoldsSlots(before, unit.Now) ? AppointmentStates.SlotIds(before) : [];
        var holds = after is not null && AppointmentStates.HoldsSlots(after, unit.Now) ? AppointmentStates.SlotIds(after) : [];
        foreach (var slot in holds) await occupancy.SettleAsync(unit, slot, id, taking: !held.Contains(slot), ct);
        foreach (var slot in held.Except(holds)) await occupancy.SettleAsync(unit, slot, id, taking: false, ct);

        if (after is not null && AppointmentStates.IsBooked(after.Status)
            && !(before is not null && AppointmentStates.IsBooked(before.Status) && before.Start == after.Start && before.End == after.End
                 && AppointmentStates.PatientIds(before).SequenceEqual(AppointmentStates.PatientIds(after))))
            await occupancy.RequireNoOverlapAsync(unit, id, after, ct);

        if (AppointmentNotices.ChangeOf(before, after) is { } change)
            await AppointmentNotices.StageAsync(unit, outbox, write.Version, after!, change, ct);
    }

    /// <summary>R4 transitions, and the cancellation window (a delete counts as a cancellation).</summary>
    private void CheckChange(UnitOfWork unit, Appointment before, Appointment? after)
    {
        if (after is not null && AppointmentStates.IsFinal(before.Status) && after.Status != before.Status && after.Status != Status.EnteredInError)
            throw FhirOutcomeException.Unprocessable(
                $"A {Code(before.Status)} appointment cannot become {Code(after.Status)}; book a new appointment instead.", "Appointment.status");
        var moved = after is null || after.Status == Status.Cancelled
                    || !AppointmentStates.SlotIds(before).SequenceEqual(AppointmentStates.SlotIds(after)) || before.Start != after.Start;
        if (AppointmentStates.IsBooked(before.Status) && moved && IsPatient(unit.Access)
            && before.Start is { } start && start - unit.Now < options.CancellationWindow)
            throw FhirOutcomeException.Unprocessable(
                $"This appointment starts within {Hours(options.CancellationWindow)} and can no longer be cancelled or moved online; please call the clinic.",
                "Appointment.status");
    }

    /// <summary>
    /// A patient's own app or account: a <c>fhirUser</c> that is a Patient, or (no user) only <c>patient/</c> scopes.
    /// Practitioners, administrators and <c>system/</c> clients are staff.
    /// </summary>
    public static bool IsPatient(CallerAccess access)
    {
        if (access.IsUnrestricted) return false;
        var caller = access.Caller;
        if (caller.FhirUser is { } user) return user.Split('/') is [.., "Patient", _];
        return caller.Scopes.Any(s => s.StartsWith("patient/", StringComparison.Ordinal))
               && !caller.Scopes.Any(s => s.StartsWith("user/", StringComparison.Ordinal) || s.StartsWith("system/", StringComparison.Ordinal));
    }

    private static Appointment? Parse(StoredResource? version) =>
        version is { IsDeleted: false } ? FhirParser.ParseStored(version.Json.Span) as Appointment : null;

    private static string Code(Status? status) => status?.GetLiteral() ?? "(no status)";

    private static string Hours(TimeSpan span) => span.TotalHours >= 1 ? $"{span.TotalHours:0.#} hours" : $"{span.TotalMinutes:0} minutes";
}
