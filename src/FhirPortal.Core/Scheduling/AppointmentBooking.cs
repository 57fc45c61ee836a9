using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Status = Hl7.Fhir.Model.Appointment.AppointmentStatus;

namespace FhirPortal.Core.Scheduling;

/// <summary>
/// $hold (IHE ITI-116) and $book (ITI-117: book, modify = reschedule, cancel) as single units of work. The operations
/// only compose an Appointment write; <see cref="SchedulingRules"/> in the write path decides whether the slots are
/// free and updates them in the same atomic commit, so a lost race ends in 409 and a failed reschedule changes nothing.
/// </summary>
public sealed class AppointmentBooking(WriteRunner runner, CreateInteraction create, UpdateInteraction update, SchedulingOptions options)
{
    /// <summary>Places a hold: the appointment becomes pending with an expiry, its slots busy-tentative.</summary>
    public Task<StoredResource> HoldAsync(BookingRequest request, CancellationToken ct) =>
        runner.RunAsync(async unit =>
        {
            var (appointment, existing) = await LoadAsync(unit, request, ct);
            if (existing is not null && StatusOf(existing) is not (Status.Proposed or Status.Pending))
                throw FhirOutcomeException.Unprocessable($"{existing.Key} is {StatusOf(existing)}; only a proposed or pending appointment can be held.");
            appointment.Status = Status.Pending;
            await FillAsync(unit, appointment, ct);
            AppointmentStates.SetHoldExpires(appointment, unit.Now + options.HoldLifetime);
            return await WriteAsync(unit, appointment, existing, ct);
        }, ct);

    /// <summary>Books a new, proposed or held appointment; reschedules a booked one; or cancels (status cancelled).</summary>
    public Task<StoredResource> BookAsync(BookingRequest request, CancellationToken ct) =>
        runner.RunAsync(async unit =>
        {
            var (appointment, existing) = await LoadAsync(unit, request, ct);
            if (request.Resource?.Status == Status.Cancelled)
            {
                if (existing is null) throw FhirOutcomeException.NotFound("Only an existing appointment can be cancelled; give its id.");
                var cancelled = (Appointment)FhirParser.ParseStored(existing.Json.Span);
                cancelled.Status = Status.Cancelled;
                cancelled.CancelationReason = request.Resource.CancelationReason
                    ?? new CodeableConcept { Text = SchedulingRules.IsPatient(unit.Access) ? "Cancelled by the patient" : "Cancelled by the clinic" };
                AppointmentStates.SetHoldExpires(cancelled, null);
                return await WriteAsync(unit, cancelled, existing, ct);
            }
            if (appointment.Status is not (Status.Proposed or Status.Pending or Status.Booked))
                throw FhirOutcomeException.Unprocessable($"A {appointment.Status} appointment cannot be booked.", "Appointment.status");
            appointment.Status = Status.Booked;
            AppointmentStates.SetHoldExpires(appointment, null);
            await FillAsync(unit, appointment, ct);
            return await WriteAsync(unit, appointment, existing, ct);
        }, ct);

    /// <summary>The appointment to write (a fresh copy per attempt) and the stored version it replaces, if any.</summary>
    private static async Task<(Appointment Appointment, StoredResource? Existing)> LoadAsync(UnitOfWork unit, BookingRequest request, CancellationToken ct)
    {
        var id = request.ReferenceId ?? request.Resource?.Id;
        var existing = id is null ? null : await unit.CurrentAsync(new ResourceKey("Appointment", id), ct);
        if (existing is { IsDeleted: true }) existing = null;
        if (request.ReferenceId is not null && existing is null)
            throw FhirOutcomeException.NotFound($"Appointment/{request.ReferenceId} is not known.");
        var appointment = request.Resource is { } given
            ? (Appointment)given.DeepCopy()
            : (Appointment)FhirParser.ParseStored(existing!.Json.Span);
        appointment.Meta = null;
        return (appointment, existing);
    }

    /// <summary>Start and end from the slots (which must exist and lie in the future); participants get a status.</summary>
    private static async Task FillAsync(UnitOfWork unit, Appointment appointment, CancellationToken ct)
    {
        var slotIds = AppointmentStates.SlotIds(appointment);
        if (slotIds.Count == 0)
            throw FhirOutcomeException.BadRequest("The appointment names no slot (Appointment.slot = Slot/[id]).", "Appointment.slot");
        if (AppointmentStates.PatientIds(appointment).Count == 0)
            throw FhirOutcomeException.BadRequest("The appointment names no patient participant.", "Appointment.participant");
        var slots = new List<Slot>();
        foreach (var slotId in slotIds)
        {
            var stored = await unit.CurrentAsync(new ResourceKey("Slot", slotId), ct);
            if (stored is null || stored.IsDeleted) throw FhirOutcomeException.Unprocessable($"Slot/{slotId} does not exist.", "Appointment.slot");
            var slot = (Slot)FhirParser.ParseStored(stored.Json.Span);
            if (slot.Start <= unit.Now) throw FhirOutcomeException.Unprocessable($"Slot/{slotId} has already begun.", "Appointment.slot");
            slots.Add(slot);
        }
        appointment.Start = slots.Min(s => s.Start);
        appointment.End = slots.Max(s => s.End);
        foreach (var participant in appointment.Participant) participant.Status ??= ParticipationStatus.Accepted;
    }

    private static Status? StatusOf(StoredResource stored) => ((Appointment)FhirParser.ParseStored(stored.Json.Span)).Status;

    private async Task<StoredResource> WriteAsync(UnitOfWork unit, Appointment appointment, StoredResource? existing, CancellationToken ct)
    {
        var result = existing is null
            ? await create.ExecuteAsync(unit, appointment, null, appointment.Id, ct)
            : await update.ExecuteAsync(unit, existing.Key, appointment, null, ct);
        return result.Resource!;
    }
}
