using System.Globalization;
using System.Text;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace FhirPortal.Core.Scheduling;

/// <summary>
/// Who holds a slot and which of a patient's bookings overlap, seen from inside a unit of work: the store's current
/// appointments with the unit's own staged versions in their place. Lapsed holds count as free.
/// </summary>
internal sealed class SlotOccupancy(ConditionalCriteria criteria)
{
    /// <summary>
    /// Recomputes a slot's status (free, busy-tentative with the hold's expiry, busy) after appointment
    /// <paramref name="appointmentId"/> took or left it, and stages it. <paramref name="taking"/>: the appointment newly
    /// takes the slot, which must then be free (or overbooked); the Slot is staged even if unchanged, so two racing
    /// bookings of one slot write the same Slot version and only one commits.
    /// </summary>
    public async Task SettleAsync(UnitOfWork unit, string slotId, string appointmentId, bool taking, CancellationToken ct)
    {
        var current = await unit.CurrentAsync(new ResourceKey("Slot", slotId), ct);
        // A plain write may name a slot this server does not hold (R4 needs no referential integrity): nothing to keep.
        // $hold and $book require the slot to exist before they write.
        if (current is null || current.IsDeleted) return;
        var slot = (Slot)FhirParser.ParseStored(current.Json.Span);
        if (slot.Status is Slot.SlotStatus.BusyUnavailable or Slot.SlotStatus.EnteredInError)
        {
            if (taking) throw FhirOutcomeException.Conflict($"Slot/{slotId} is not available for booking ({slot.Status?.GetLiteral()}).");
            return; // staff took it out of service; freeing an appointment leaves that as it is
        }
        var occupants = await OccupantsAsync(unit, slotId, ct);
        if (taking && slot.Overbooked != true && occupants.Any(a => a.Id != appointmentId))
            throw FhirOutcomeException.Conflict(
                $"The time was taken: Slot/{slotId} ({slot.Start:yyyy-MM-dd HH:mm zzz}) is already booked or held by someone else; please choose another time.");

        // Decided again inside the commit, on the store's own state: no booking of this slot may exist by then. (The
        // appointment itself cannot match: its stored version, if any, did not hold this slot, or taking would be false.)
        if (taking && slot.Overbooked != true)
            unit.RequireNoMatch(criteria.Parse("Appointment", $"slot=Slot/{slotId}&status={AppointmentStates.BookedCodes}"));

        var pending = occupants.Where(a => !AppointmentStates.IsBooked(a.Status)).ToList();
        var status = occupants.Any(a => AppointmentStates.IsBooked(a.Status)) ? Slot.SlotStatus.Busy
            : pending.Count > 0 ? Slot.SlotStatus.BusyTentative : Slot.SlotStatus.Free;
        var expiries = pending.Select(AppointmentStates.HoldExpires).ToList();
        DateTimeOffset? expires = status == Slot.SlotStatus.BusyTentative && expiries.All(e => e is not null) ? expiries.Max() : null;
        if (!taking && slot.Status == status && AppointmentStates.HoldExpires(slot) == expires) return;
        slot.Status = status;
        AppointmentStates.SetHoldExpires(slot, expires);
        // Only status and hold expiry change on a stored Slot (ServerRecordValidityTests): stored without validation.
        await unit.StageTrustedForRule(slot, slotId, ct);
    }

    /// <summary>409 when one of the appointment's patients has another booking that overlaps it.</summary>
    public async Task RequireNoOverlapAsync(UnitOfWork unit, string appointmentId, Appointment appointment, CancellationToken ct)
    {
        if (appointment.Start is not { } start) return;
        var end = appointment.End ?? start;
        foreach (var patient in AppointmentStates.PatientIds(appointment))
        {
            // Appointments are indexed by start; one that started up to a day earlier may still run into this one.
            var found = await AppointmentsAsync(unit,
                $"patient=Patient/{patient}&status={AppointmentStates.BookedCodes}&date=lt{Instant(end)}&date=ge{Instant(start.AddDays(-1))}", $"Patient/{patient}", ct);
            var clash = found.FirstOrDefault(a => a.Id != appointmentId && AppointmentStates.IsBooked(a.Status)
                                                  && AppointmentStates.PatientIds(a).Contains(patient)
                                                  && a.Start < end && (a.End ?? a.Start) > start);
            if (clash is not null)
                throw FhirOutcomeException.Conflict(
                    $"Patient/{patient} already has an appointment at that time (Appointment/{clash.Id}, {clash.Start:yyyy-MM-dd HH:mm zzz}); cancel or move it first.");

            // Decided again inside the commit: a concurrent booking of this patient into another slot shares no Slot
            // version with this one, so only the store's own state at commit can refuse the second. SQLite checks the
            // condition under its single writer's transaction. Cosmos DB checks it after locking the Appointment type's
            // criteria document, which every commit with a condition on Appointment takes (the slot condition too), and
            // only after settling the transaction that held it before: two such commits never check at the same time,
            // and the later one sees the earlier one's appointment, whatever partitions both live in. Every write that
            // can create an overlap (a booked appointment with a new time or patient) adds this condition.
            // Times are compared at whole seconds (stored times of second precision index as [t, t+1s)); slot times are.
            unit.RequireNoMatch(criteria.Parse("Appointment",
                $"patient=Patient/{patient}&status={AppointmentStates.BookedCodes}&{AppointmentPeriod.Code}=gt{Second(start, up: false)}" +
                $"&{AppointmentPeriod.Code}=lt{Second(end, up: true)}&_id:not={appointmentId}"));
        }
    }

    /// <summary>Appointments that hold the slot now.</summary>
    public async Task<IReadOnlyList<Appointment>> OccupantsAsync(UnitOfWork unit, string slotId, CancellationToken ct) =>
        (await AppointmentsAsync(unit, $"slot=Slot/{slotId}&status={AppointmentStates.OccupyingCodes}", $"Slot/{slotId}", ct))
        .Where(a => AppointmentStates.HoldsSlots(a, unit.Now) && AppointmentStates.SlotIds(a).Contains(slotId))
        .ToList();

    /// <summary>
    /// The stored appointments matching <paramref name="criteriaText"/> and the unit's staged ones that may name
    /// <paramref name="reference"/> (callers filter both further on the parsed resources).
    /// </summary>
    private async Task<IReadOnlyList<Appointment>> AppointmentsAsync(UnitOfWork unit, string criteriaText, string reference, CancellationToken ct)
    {
        var query = criteria.Parse("Appointment", criteriaText) with { Count = 1000, Cursor = null };
        var stored = (await unit.Store.SearchAsync(query, ct)).Entries.Where(e => !unit.HasStaged(e.Key));
        var named = Encoding.UTF8.GetBytes(reference);
        // The staged ones come as the unit holds them (not parsed again); callers only read them.
        return stored.Select(v => (Appointment)FhirParser.ParseStored(v.Json.Span))
            .Concat(unit.StagedOf("Appointment").Where(v => !v.IsDeleted && MayName(v.Json.Span, named)).Select(v => (Appointment)unit.ResourceOf(v)!))
            .ToList();
    }

    /// <summary>
    /// Whether JSON may hold a reference to <paramref name="reference"/>: it holds those bytes as they are, or it holds
    /// escapes, which could spell them otherwise. Parsing only those keeps a unit with many staged appointments (an
    /// import batch, a large transaction) from parsing every one of them for each appointment it writes.
    /// </summary>
    private static bool MayName(ReadOnlySpan<byte> json, byte[] reference) =>
        json.IndexOf(reference) >= 0 || json.IndexOf((byte)'\\') >= 0;

    private static string Second(DateTimeOffset at, bool up)
    {
        var ticks = at.UtcTicks % TimeSpan.TicksPerSecond;
        var whole = at.AddTicks(-ticks).AddSeconds(up && ticks > 0 ? 1 : 0);
        return whole.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private static string Instant(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
