using System.Globalization;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Scheduling;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Notifications;

/// <summary>
/// Queues appointment reminders at the configured offsets before <c>start</c> (<see cref="NotificationOptions.Reminders"/>).
/// Each reminder has the identifier <c>appointment-reminder/{id}/{offset}/{start}</c> and is created only if none with
/// it exists (checked again at commit), so scans on several instances or after a restart never queue one twice, and a
/// rescheduled appointment (a new start) gets new reminders.
/// </summary>
/// <remarks>
/// Only booked, future appointments get reminders, and only for the latest offset entered: a reminder point that
/// passed before the appointment was last booked or moved (its last update) is skipped, the confirmation covered it.
/// A reminder queued before a cancellation or move is dropped at sending time (<see cref="StaleReasonAsync"/>).
/// </remarks>
public sealed class AppointmentReminders(
    IResourceStore store, WriteRunner runner, ConditionalCriteria criteria, CallerContext callers, NoticeOutbox outbox, TimeProvider clock)
{
    private const string KeyPrefix = "appointment-reminder/";

    /// <summary>Queues the reminders due now; returns how many were queued.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        using var _ = callers.Use(Caller.Server);
        var offsets = outbox.Options.ReminderOffsets;
        if (offsets.Count == 0) return 0;
        var now = clock.GetUtcNow();
        var query = criteria.Parse("Appointment", $"status=booked&date=gt{Instant(now)}&date=le{Instant(now + offsets[0])}");
        var queued = 0;
        string? cursor = null;
        do
        {
            var page = await store.SearchAsync(query with { Count = 500, Cursor = cursor }, ct);
            foreach (var version in page.Entries)
                if (FhirParser.ParseStored(version.Json.Span) is Appointment { Status: Appointment.AppointmentStatus.Booked, Start: { } start } appointment
                    && offsets.Where(o => start - o <= now && start - o >= version.LastUpdated).Order().FirstOrDefault() is var offset && offset > TimeSpan.Zero
                    && await QueueAsync(appointment, version.Key.Id, start, offset, ct))
                    queued++;
            cursor = page.NextCursor;
        } while (cursor is not null);
        return queued;
    }

    private Task<bool> QueueAsync(Appointment appointment, string id, DateTimeOffset start, TimeSpan offset, CancellationToken ct)
    {
        var key = $"{KeyPrefix}{id}/{(long)offset.TotalMinutes}m/{Instant(start)}";
        var existing = criteria.Parse("Communication", $"identifier={NoticeOutbox.IdentifierSystem}|{key}");
        return runner.RunAsync(async unit =>
        {
            if ((await store.SearchAsync(existing, ct)).Entries.Count > 0) return false;
            unit.RequireNoMatch(existing);
            var when = start.ToString("dddd d MMMM yyyy 'at' HH:mm (zzz)", CultureInfo.InvariantCulture);
            var text = $"Reminder from {outbox.Options.OrganizationName}: you have an appointment on {when}.";
            foreach (var patient in AppointmentStates.PatientIds(appointment))
                await outbox.StageAsync(unit, new Notice(patient, "appointment", new ResourceReference($"Appointment/{id}"),
                    "Appointment reminder", text, AppointmentStates.PatientIds(appointment).Count > 1 ? $"{key}/{patient}" : key), ct);
            return true;
        }, ct);
    }

    /// <summary>Why a queued reminder must no longer go out (its appointment was cancelled, moved or is over); null if it still applies.</summary>
    internal static async Task<string?> StaleReasonAsync(IResourceStore store, Communication communication, CancellationToken ct)
    {
        var key = communication.Identifier.FirstOrDefault(i => i.System == NoticeOutbox.IdentifierSystem)?.Value;
        if (key is null || !key.StartsWith(KeyPrefix, StringComparison.Ordinal)) return null;
        var parts = key[KeyPrefix.Length..].Split('/');
        var appointment = await store.ReadAsync(new ResourceKey("Appointment", parts[0]), ct) is { IsDeleted: false } a
            ? FhirParser.ParseStored(a.Json.Span) as Appointment : null;
        if (appointment is not { Status: Appointment.AppointmentStatus.Booked, Start: { } start })
            return "The appointment is no longer booked.";
        return parts.Length > 2 && parts[2] == Instant(start) ? null : "The appointment was moved; its new time has its own reminders.";
    }

    private static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
