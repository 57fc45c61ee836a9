using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Core.Notifications;

/// <summary>
/// Sends queued notices (<see cref="NoticeOutbox"/>): claims each due one with a version precondition, sends it and
/// records the outcome (<c>completed</c>, a retry with back-off, or <c>not-done</c> with a <c>statusReason</c>).
/// </summary>
/// <remarks>
/// Exactly-once as far as a store can make it: of several instances (or a restarted one), only the one whose claim
/// commits over the version it read sends. The claim is a lease (<see cref="NotificationOptions.ClaimLease"/>), so a
/// notice whose sender crashed is picked up again once the lease ends: never lost, sent at most once more.
/// </remarks>
public sealed class NotificationDispatcher(
    IResourceStore store, WriteRunner runner, ConditionalCriteria criteria, CallerContext callers, NoticeOutbox outbox,
    IEnumerable<INoticeSender> senders, TimeProvider clock, ILogger<NotificationDispatcher> logger, PortalMetrics? metrics = null,
    INoticePreferences? preferences = null)
{
    private const int BatchSize = 500;
    private readonly Dictionary<NoticeChannel, INoticeSender> _senders = senders.ToDictionary(s => s.Channel);
    private long _waiting;

    /// <summary>Notices the latest run found due and has not handled yet (the <c>notification</c> queue size in the metrics).</summary>
    public long Waiting => Interlocked.Read(ref _waiting);

    /// <summary>Sends every notice due now (up to one batch); returns how many were sent.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        using var _ = callers.Use(Caller.Server);
        var sent = 0;
        var due = await DueAsync(ct);
        Interlocked.Exchange(ref _waiting, due.Count);
        foreach (var notice in due)
        {
            if (await DispatchAsync(notice, ct)) sent++;
            Interlocked.Decrement(ref _waiting);
        }
        return sent;
    }

    private async Task<List<StoredResource>> DueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var query = criteria.Parse("Communication", $"status=preparation,in-progress&identifier={NoticeOutbox.IdentifierSystem}|");
        var due = new List<StoredResource>();
        string? cursor = null;
        do
        {
            var page = await store.SearchAsync(query with { Count = BatchSize, Cursor = cursor }, ct);
            due.AddRange(page.Entries.Where(e => Parse(e) is { } c && NoticeOutbox.Due(c) is { } at && at <= now));
            cursor = page.NextCursor;
        } while (cursor is not null && due.Count < BatchSize);
        return due;
    }

    private async Task<bool> DispatchAsync(StoredResource seen, CancellationToken ct)
    {
        if (Parse(seen) is not { } queued) return false;
        // Routed on the version seen; the claim commits only over that version, so the route matches what is sent.
        var (patient, route) = await RouteAsync(queued, ct);
        if (await ClaimAsync(seen, patient, route, ct) is not { } claimed) return false;
        var communication = Parse(claimed)!;
        string? failure;
        var final = false;
        try
        {
            (failure, final) = await SendAsync(communication, patient, route, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Sending notice {Key} failed", claimed.Key);
            failure = e.Message;
        }
        // The one window for a duplicate: a crash after the message left and before the record below commits. The
        // notice stays in-progress; when its lease ends another run claims it and sends it again (once more at most).
        var recorded = await RecordAsync(claimed, communication, failure, final, ct);
        metrics?.CountNotificationSend(failure is null ? "sent" : final || NoticeOutbox.Attempts(communication) >= outbox.Options.MaxAttempts ? "not-done" : "retry");
        return recorded && failure is null;
    }

    /// <summary>Sends the notice; a non-null failure with <c>final</c> set is not worth retrying (no address on file, a stale reminder, the patient's choice).</summary>
    private async Task<(string? Failure, bool Final)> SendAsync(Communication communication, Patient? patient, NoticeRoute route, CancellationToken ct)
    {
        if ((await AppointmentReminders.StaleReasonAsync(store, communication, ct) ?? await ResultNotices.StaleReasonAsync(store, communication, ct)) is { } stale)
            return (stale, true);
        if (patient is null || route is not { Channel: { } channel, To: { } to }) return (route.Refusal ?? "No address for the notice.", true);
        if (!_senders.TryGetValue(channel, out var sender)) return ($"No {channel} sender is configured.", true);
        var text = communication.Payload.Select(x => x.Content).OfType<FhirString>().FirstOrDefault()?.Value ?? "";
        await sender.SendAsync(new OutgoingNotice(channel, to, communication.Topic?.Text ?? outbox.Options.OrganizationName, text,
            NoticeKinds.Of(communication), NoticeKinds.Culture(patient)), ct);
        return (null, false);
    }

    /// <summary>The recipient and where the notice goes: its queued medium, or the patient's account settings (<see cref="NoticeRoute.For"/>).</summary>
    private async Task<(Patient? Patient, NoticeRoute Route)> RouteAsync(Communication communication, CancellationToken ct)
    {
        if (NoticeChannels.FromMedium(communication.Medium) is not { } queued) return (null, new NoticeRoute(null, null, "The notice names no email or SMS medium."));
        var patient = await RecipientAsync(communication, ct);
        if (patient is null) return (null, new NoticeRoute(null, null, $"The patient has no {(queued == NoticeChannel.Email ? "email address" : "mobile number")} on file."));
        var settings = preferences is null || patient.Id is null ? null : await preferences.FindAsync(patient.Id, ct);
        return (patient, NoticeRoute.For(patient, queued, NoticeKinds.Of(communication), settings));
    }

    /// <summary>Takes the notice for this instance: in-progress for one lease, committed only over the version we saw.</summary>
    private Task<StoredResource?> ClaimAsync(StoredResource seen, Patient? patient, NoticeRoute route, CancellationToken ct) =>
        runner.RunAsync(async unit =>
        {
            var current = await unit.CurrentAsync(seen.Key, ct);
            if (current is null || current.VersionId != seen.VersionId || Parse(current) is not { } communication) return null;
            if (route.Channel == NoticeChannel.Sms && patient is not null
                && QuietHours.EndIfQuiet(patient, unit.Now, outbox.Options) is { } quietEnd)
            {
                // Delayed, not dropped: back to the queue until the patient's quiet hours end, no attempt counted.
                communication.Status = EventStatus.Preparation;
                NoticeOutbox.SetState(communication, quietEnd, NoticeOutbox.Attempts(communication));
                unit.StageVersion(communication, seen.Key.Id, current);
                return null;
            }
            // The record shows the channel the notice actually goes by (a patient's choice may differ from the queued one).
            if (route.Channel is { } channel) communication.Medium = [NoticeChannels.Medium(channel)];
            communication.Status = EventStatus.InProgress;
            NoticeOutbox.SetState(communication, unit.Now + outbox.Options.ClaimLease, NoticeOutbox.Attempts(communication) + 1);
            return (StoredResource?)unit.StageVersion(communication, seen.Key.Id, current);
        }, ct);

    /// <summary>Records the outcome over our claim; false if the lease ran out and another instance took the notice over.</summary>
    private async Task<bool> RecordAsync(StoredResource claimed, Communication communication, string? failure, bool final, CancellationToken ct)
    {
        var options = outbox.Options;
        var attempts = NoticeOutbox.Attempts(communication);
        return await runner.RunAsync(async unit =>
        {
            var current = await unit.CurrentAsync(claimed.Key, ct);
            if (current is null || current.VersionId != claimed.VersionId) return false;
            communication.RemoveExtension(NoticeOutbox.DueExtension);
            if (failure is null)
            {
                communication.Status = EventStatus.Completed;
                communication.Sent = new FhirDateTime(unit.Now).Value;
            }
            else if (final || attempts >= options.MaxAttempts)
            {
                communication.Status = EventStatus.NotDone;
                communication.StatusReason = new CodeableConcept { Text = final ? failure : $"Not sent after {attempts} attempts: {failure}" };
            }
            else
            {
                // Exponential back-off: RetryDelay, 2×, 4×, ... after the 1st, 2nd, 3rd failed attempt.
                communication.Status = EventStatus.Preparation;
                NoticeOutbox.SetState(communication, unit.Now + options.RetryDelay * Math.Pow(2, attempts - 1), attempts);
            }
            unit.StageVersion(communication, claimed.Key.Id, current);
            return true;
        }, ct);
    }

    private async Task<Patient?> RecipientAsync(Communication communication, CancellationToken ct)
    {
        var patientId = communication.Recipient.Select(r => r.Reference).FirstOrDefault(r => r?.StartsWith("Patient/", StringComparison.Ordinal) == true)?["Patient/".Length..];
        return patientId is not null && await store.ReadAsync(new ResourceKey("Patient", patientId), ct) is { IsDeleted: false } p
            ? FhirParser.ParseStored(p.Json.Span) as Patient : null;
    }

    private static Communication? Parse(StoredResource version) =>
        version.IsDeleted ? null : FhirParser.ParseStored(version.Json.Span) as Communication;
}
