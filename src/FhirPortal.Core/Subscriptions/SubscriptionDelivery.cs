using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Status = Hl7.Fhir.Model.Subscription.SubscriptionStatus;

namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// Delivers subscriptions' notifications: the handshake of a <c>requested</c> one (success: active; failure: error),
/// then each recorded event of an active one in event order (one notification per event, at-least-once), and a
/// heartbeat when it has been idle for its heartbeat period. Failures back off exponentially; after
/// <see cref="SubscriptionOptions.MaxAttempts"/> the subscription goes to <c>error</c> with the reason in <c>error</c>.
/// </summary>
/// <remarks>
/// Each round first numbers the events writes staged (<see cref="SubscriptionEventLog"/>): in the commit that claims
/// the subscription (a lease in <see cref="Backport.Due"/>, committed over the version it read), so of several
/// instances only one numbers and delivers a subscription at a time. A round that outlives half its lease renews it
/// (recording its progress) before going on, and stops if the lease was lost. Events are shown only if the
/// subscription's creator may read the focus now (<see cref="SubscriptionView.Owner"/>); others are skipped (counted,
/// never sent). Once the creator's account or app grant is withdrawn (<see cref="ISubscriptionGrants"/>), the
/// subscription is turned off with the reason in <c>error</c>.
/// </remarks>
public sealed class SubscriptionDelivery(
    IResourceStore store, WriteRunner runner, ConditionalCriteria criteria, SubscriptionEventLog log, CallerContext callers, IRestHookChannel channel,
    ISubscriptionSecrets secrets, IOptions<SubscriptionOptions> options, TimeProvider clock, ILogger<SubscriptionDelivery> logger,
    ISubscriptionGrants? grants = null)
{
    private const int MaxPendingPerRound = 1000;
    private const int MaxPagesPerRound = 10;

    /// <summary>The FHIR base URL the notifications name (set by the host).</summary>
    public string BaseUrl { get; set; } = "http://localhost/fhir";

    /// <summary>Works through every subscription with something due; returns how many notifications were sent.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        using var _ = callers.Use(Caller.Server);
        var sent = 0;
        var pending = await log.PendingAsync(MaxPendingPerRound, ct);
        var query = criteria.Parse("Subscription", "status=requested,active");
        string? cursor = null;
        do
        {
            var page = await store.SearchAsync(query with { Count = 200, Cursor = cursor }, ct);
            foreach (var version in page.Entries)
                if (FhirParser.ParseStored(version.Json.Span) is Subscription s && (pending.Remove(version.Key.Id, out var events) | IsDue(s)))
                    sent += await DeliverAsync(version, events ?? [], ct);
            cursor = page.NextCursor;
        } while (cursor is not null);
        // Pending events of subscriptions no longer requested or active are still numbered (or dropped when deleted).
        foreach (var (id, events) in pending) await NumberAsync(id, events, ct);
        return sent;
    }

    private bool IsDue(Subscription s)
    {
        var now = clock.GetUtcNow();
        if (SubscriptionView.Time(s, Backport.Due) is { } due && due > now) return false;
        if (s.Status == Status.Requested) return true;
        if (SubscriptionView.Count(s, Backport.EventCount) > SubscriptionView.Count(s, Backport.Delivered)) return true;
        return HeartbeatDue(s);
    }

    private bool HeartbeatDue(Subscription s) =>
        SubscriptionView.Heartbeat(s) is { } period && (SubscriptionView.Time(s, Backport.LastSent) ?? DateTimeOffset.MinValue) + period <= clock.GetUtcNow();

    private async Task<int> DeliverAsync(StoredResource seen, IReadOnlyList<StoredResource> pending, CancellationToken ct)
    {
        if (await ClaimAsync(seen, pending, ct) is not { } claimed) return 0;
        var subscription = (Subscription)FhirParser.ParseStored(claimed.Json.Span);
        var id = claimed.Key.Id;
        var lease = new Lease(claimed.Key, SubscriptionView.Time(subscription, Backport.Due)!.Value);
        var sent = 0;
        string? failure = null;
        var delivered = SubscriptionView.Count(subscription, Backport.Delivered);
        var count = SubscriptionView.Count(subscription, Backport.EventCount);
        try
        {
            // A stored subscription with a broken endpoint goes to error alone; it must not stop the round for the others.
            if (!Uri.TryCreate(subscription.Channel?.Endpoint, UriKind.Absolute, out var endpoint))
            {
                await RecordAsync(lease, Status.Error, delivered, false, "Subscription.channel.endpoint is not an absolute URL.", attempts: 0, ct);
                return 0;
            }
            // The creator's account was removed or disabled, or the app's grant revoked: the subscription stops for good.
            string? withdrawn;
            try
            {
                withdrawn = grants is null ? null : await grants.WithdrawnAsync(SubscriptionView.Owner(subscription), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // The account database is unreachable: that is no fault of the endpoint, so no attempt is counted; the
                // lease stays and the subscription is tried again once it ends.
                logger.LogWarning(e, "Checking the creator's grant of Subscription/{Id} failed; skipping it this round", id);
                return 0;
            }
            if (withdrawn is not null)
            {
                await RecordAsync(lease, Status.Off, delivered, false, withdrawn, attempts: 0, ct);
                return 0;
            }
            var contentType = subscription.Channel!.Payload ?? "application/fhir+json";
            if (subscription.Status == Status.Requested)
            {
                failure = await SendAsync(subscription, id, "handshake", count, [], endpoint, contentType, ct);
                if (failure is null) sent++;
                await RecordAsync(lease, failure is null ? Status.Active : Status.Error, delivered, sent > 0,
                    failure is null ? null : $"The handshake failed: {failure}", attempts: 0, ct);
                return sent;
            }
            var start = delivered;
            using (callers.Use(SubscriptionView.Owner(subscription)))
                for (var pages = 0; failure is null && delivered < count && pages < MaxPagesPerRound; pages++)
                {
                    // One page at a time, only numbers the subscription has counted: delivered never passes the count.
                    var events = await log.PageAsync(id, delivered, count, options.Value.EventPage, ct);
                    // Counted events whose records are gone: nothing left to send, so the subscription is no longer due for them.
                    if (events.Count == 0) { delivered = count; break; }
                    foreach (var e in events)
                    {
                        if (!await KeepAsync(lease, delivered, sent > 0, ct)) return sent;
                        var shown = await ShowAsync(subscription, e, ct);
                        if (shown is not null)
                        {
                            failure = await SendAsync(subscription, id, "event-notification", e.Number, [shown], endpoint, contentType, ct);
                            if (failure is not null) break;
                            sent++;
                        }
                        delivered = e.Number;
                    }
                }
            if (failure is null && count == start && HeartbeatDue(subscription))
            {
                failure = await SendAsync(subscription, id, "heartbeat", count, [], endpoint, contentType, ct);
                if (failure is null) sent++;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Delivering Subscription/{Id} failed", id);
            failure = e.Message;
        }
        var attempts = failure is null ? 0 : SubscriptionView.Count(subscription, Backport.Attempts) + 1;
        var final = failure is not null && attempts >= options.Value.MaxAttempts;
        await RecordAsync(lease, final ? Status.Error : Status.Active, delivered, sent > 0,
            final ? $"Delivery failed {attempts} times in a row: {failure}" : null, attempts, ct);
        return sent;
    }

    /// <summary>The event as the creator may see it now, or null when the focus is gone or out of the creator's reach.</summary>
    private async Task<NotificationEvent?> ShowAsync(Subscription subscription, RecordedEvent e, CancellationToken ct)
    {
        var parts = (e.Focus.Reference ?? "").Split('/');
        if (parts.Length != 2 || await store.ReadAsync(new ResourceKey(parts[0], parts[1]), ct) is not { IsDeleted: false } focus) return null;
        if (!await callers.Current.MayReadAsync(focus, Permissions.Read, ct)) return null;
        var resource = SubscriptionView.Content(subscription) == PayloadContent.FullResource ? FhirParser.ParseStored(focus.Json.Span) : null;
        return new NotificationEvent(e.Number, e.Focus, e.At, resource);
    }

    private async Task<string?> SendAsync(Subscription subscription, string id, string type, long eventCount, IReadOnlyList<NotificationEvent> events,
        Uri endpoint, string contentType, CancellationToken ct)
    {
        if (await EndpointGuard.RefuseAddressAsync(endpoint, options.Value, ct) is { } refused) return refused;
        var bundle = NotificationBundles.Build(BaseUrl, id, subscription, type, eventCount, events);
        return await channel.PostAsync(endpoint, ChannelHeaders.Clear(subscription, id, secrets), contentType, FhirSerializer.ToJsonBytes(bundle), ct);
    }

    /// <summary>
    /// Numbers the subscription's pending events and, when it is then due, takes it for one lease: one commit, only over
    /// the version we saw (another instance's claim or a client's change since means: not this round).
    /// </summary>
    private Task<StoredResource?> ClaimAsync(StoredResource seen, IReadOnlyList<StoredResource> pending, CancellationToken ct) =>
        runner.RunAsync(async unit =>
        {
            var current = await unit.CurrentAsync(seen.Key, ct);
            if (current is null || current.VersionId != seen.VersionId || FhirParser.ParseStored(current.Json.Span) is not Subscription s) return null;
            var numbered = await SubscriptionEventLog.StageNumbersAsync(unit, s, seen.Key.Id, pending, ct);
            var due = IsDue(s);
            if (due) SubscriptionView.SetTime(s, Backport.Due, unit.Now + options.Value.ClaimLease);
            if (!due && numbered == 0) return null;
            var staged = await unit.StageForRule(s, seen.Key.Id, ct);
            return due ? staged : null;
        }, ct);

    /// <summary>Numbers the pending events of a subscription that is not being delivered (error, off); drops those of a deleted one.</summary>
    private Task NumberAsync(string id, IReadOnlyList<StoredResource> pending, CancellationToken ct) =>
        runner.RunAsync(async unit =>
        {
            var key = new ResourceKey("Subscription", id);
            if (await unit.CurrentAsync(key, ct) is { IsDeleted: false } current && FhirParser.ParseStored(current.Json.Span) is Subscription s)
            {
                if (await SubscriptionEventLog.StageNumbersAsync(unit, s, id, pending, ct) > 0) await unit.StageForRule(s, id, ct);
            }
            else await SubscriptionEventLog.StageDroppedAsync(unit, pending, ct);
            return true;
        }, ct);

    /// <summary>The claimed subscription and when our lease on it ends.</summary>
    private sealed class Lease(ResourceKey key, DateTimeOffset until)
    {
        public ResourceKey Key { get; } = key;
        public DateTimeOffset Until { get; set; } = until;
    }

    /// <summary>
    /// Before the next notification: past half the lease, renews it for a full one, recording the progress so far.
    /// False when the lease was lost (expired and taken, or the client changed the subscription): stop, record nothing.
    /// </summary>
    private async Task<bool> KeepAsync(Lease lease, long delivered, bool sentSomething, CancellationToken ct)
    {
        if (clock.GetUtcNow() < lease.Until - options.Value.ClaimLease / 2) return true;
        var renewed = await runner.RunAsync(async unit =>
        {
            if (await HeldAsync(unit, lease, ct) is not { } s) return (DateTimeOffset?)null;
            var until = unit.Now + options.Value.ClaimLease;
            SubscriptionView.SetCount(s, Backport.Delivered, delivered);
            if (sentSomething) SubscriptionView.SetTime(s, Backport.LastSent, unit.Now);
            SubscriptionView.SetTime(s, Backport.Due, until);
            await unit.StageForRule(s, lease.Key.Id, ct);
            return until;
        }, ct);
        if (renewed is null) return false;
        lease.Until = renewed.Value;
        return true;
    }

    /// <summary>The subscription as the unit reads it, if our lease still holds on it (and it is still requested or active).</summary>
    private static async Task<Subscription?> HeldAsync(UnitOfWork unit, Lease lease, CancellationToken ct)
    {
        var current = await unit.CurrentAsync(lease.Key, ct);
        if (current is null || current.IsDeleted || FhirParser.ParseStored(current.Json.Span) is not Subscription s) return null;
        // The client changed or turned it off meanwhile, or our lease ended and another instance took over.
        return SubscriptionView.Time(s, Backport.Due) == lease.Until && s.Status is Status.Requested or Status.Active ? s : null;
    }

    /// <summary>
    /// Records the round over the latest version (numbering may have added events meanwhile), as long as our lease holds:
    /// status, delivered number, attempts and the next due time (a back-off after a failure).
    /// </summary>
    private Task RecordAsync(Lease lease, Status status, long delivered, bool sentSomething, string? error, long attempts, CancellationToken ct) =>
        runner.RunAsync(async unit =>
        {
            if (await HeldAsync(unit, lease, ct) is not { } s) return false;
            s.Status = status;
            s.Error = error;
            SubscriptionView.SetCount(s, Backport.Delivered, delivered);
            SubscriptionView.SetCount(s, Backport.Attempts, attempts);
            if (sentSomething) SubscriptionView.SetTime(s, Backport.LastSent, unit.Now);
            var retry = attempts > 0 && status == Status.Active ? options.Value.RetryDelay * Math.Pow(2, attempts - 1) : (TimeSpan?)null;
            SubscriptionView.SetTime(s, Backport.Due, retry is { } r ? unit.Now + r : null);
            await unit.StageForRule(s, lease.Key.Id, ct);
            return true;
        }, ct);
}
