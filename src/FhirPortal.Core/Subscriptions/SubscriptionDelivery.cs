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
/// A worker first claims the subscription (a lease in <see cref="Backport.Due"/>, committed over the version it read),
/// so of several instances only one delivers a subscription at a time. Events are shown only if the subscription's
/// creator may read the focus now (<see cref="SubscriptionView.Owner"/>); others are skipped (counted, never sent).
/// </remarks>
public sealed class SubscriptionDelivery(
    IResourceStore store, WriteRunner runner, ConditionalCriteria criteria, CallerContext callers, IRestHookChannel channel,
    ISubscriptionSecrets secrets, IOptions<SubscriptionOptions> options, TimeProvider clock, ILogger<SubscriptionDelivery> logger)
{
    private const int MaxEventsPerRound = 100;

    /// <summary>The FHIR base URL the notifications name (set by the host).</summary>
    public string BaseUrl { get; set; } = "http://localhost/fhir";

    /// <summary>Works through every subscription with something due; returns how many notifications were sent.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        using var _ = callers.Use(Caller.Server);
        var sent = 0;
        var query = criteria.Parse("Subscription", "status=requested,active");
        string? cursor = null;
        do
        {
            var page = await store.SearchAsync(query with { Count = 200, Cursor = cursor }, ct);
            foreach (var version in page.Entries)
                if (FhirParser.ParseStored(version.Json.Span) is Subscription s && IsDue(s)) sent += await DeliverAsync(version, ct);
            cursor = page.NextCursor;
        } while (cursor is not null);
        return sent;
    }

    private bool IsDue(Subscription s)
    {
        var now = clock.GetUtcNow();
        if (SubscriptionView.Time(s, Backport.Due) is { } due && due > now) return false;
        if (s.Status == Status.Requested) return true;
        if (SubscriptionView.Count(s, Backport.EventCount) > SubscriptionView.Count(s, Backport.Delivered)) return true;
        return SubscriptionView.Heartbeat(s) is { } period && (SubscriptionView.Time(s, Backport.LastSent) ?? DateTimeOffset.MinValue) + period <= now;
    }

    private async Task<int> DeliverAsync(StoredResource seen, CancellationToken ct)
    {
        if (await ClaimAsync(seen, ct) is not { } claimed) return 0;
        var subscription = (Subscription)FhirParser.ParseStored(claimed.Json.Span);
        var id = claimed.Key.Id;
        var sent = 0;
        string? failure = null;
        var delivered = SubscriptionView.Count(subscription, Backport.Delivered);
        var count = SubscriptionView.Count(subscription, Backport.EventCount);
        try
        {
            // A stored subscription with a broken endpoint goes to error alone; it must not stop the round for the others.
            if (!Uri.TryCreate(subscription.Channel?.Endpoint, UriKind.Absolute, out var endpoint))
            {
                await RecordAsync(claimed, Status.Error, delivered, false, "Subscription.channel.endpoint is not an absolute URL.", attempts: 0, ct);
                return 0;
            }
            var contentType = subscription.Channel!.Payload ?? "application/fhir+json";
            if (subscription.Status == Status.Requested)
            {
                failure = await SendAsync(subscription, id, "handshake", count, [], endpoint, contentType, ct);
                if (failure is null) sent++;
                await RecordAsync(claimed, failure is null ? Status.Active : Status.Error, delivered, sent > 0,
                    failure is null ? null : $"The handshake failed: {failure}", attempts: 0, ct);
                return sent;
            }
            // Only numbers the subscription has counted: delivered never passes the count, whatever a record claims.
            var events = (await SubscriptionEvents.AfterAsync(store, criteria, id, delivered, MaxEventsPerRound, ct)).Where(e => e.Number <= count).ToList();
            using (callers.Use(SubscriptionView.Owner(subscription)))
                foreach (var e in events)
                {
                    var shown = await ShowAsync(subscription, e, ct);
                    if (shown is not null)
                    {
                        failure = await SendAsync(subscription, id, "event-notification", e.Number, [shown], endpoint, contentType, ct);
                        if (failure is not null) break;
                        sent++;
                    }
                    delivered = e.Number;
                }
            // Counted events whose records are gone: nothing left to send, so the subscription is no longer due for them.
            if (events.Count == 0) delivered = Math.Max(delivered, count);
            if (failure is null && events.Count == 0 && SubscriptionView.Heartbeat(subscription) is not null)
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
        await RecordAsync(claimed, final ? Status.Error : Status.Active, delivered, sent > 0,
            final ? $"Delivery failed {attempts} times in a row: {failure}" : null, attempts, ct);
        return sent;
    }

    /// <summary>The event as the creator may see it now, or null when the focus is gone or out of the creator's reach.</summary>
    private async Task<NotificationEvent?> ShowAsync(Subscription subscription, (long Number, ResourceReference Focus, DateTimeOffset At) e, CancellationToken ct)
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

    /// <summary>Takes the subscription for one lease, committed only over the version we saw.</summary>
    private Task<StoredResource?> ClaimAsync(StoredResource seen, CancellationToken ct) =>
        runner.RunAsync(async unit =>
        {
            var current = await unit.CurrentAsync(seen.Key, ct);
            if (current is null || current.VersionId != seen.VersionId || FhirParser.ParseStored(current.Json.Span) is not Subscription s) return null;
            SubscriptionView.SetTime(s, Backport.Due, unit.Now + options.Value.ClaimLease);
            return (StoredResource?)await unit.StageForRule(s, seen.Key.Id, ct);
        }, ct);

    /// <summary>
    /// Records the round over the latest version (writers may have added events meanwhile), as long as our lease holds:
    /// status, delivered number, attempts and the next due time (a back-off after a failure).
    /// </summary>
    private Task RecordAsync(StoredResource claimed, Status status, long delivered, bool sentSomething, string? error, long attempts, CancellationToken ct) =>
        runner.RunAsync(async unit =>
        {
            var current = await unit.CurrentAsync(claimed.Key, ct);
            if (current is null || current.IsDeleted || FhirParser.ParseStored(current.Json.Span) is not Subscription s) return false;
            var lease = SubscriptionView.Time((Subscription)FhirParser.ParseStored(claimed.Json.Span), Backport.Due);
            // The client changed or turned it off meanwhile, or our lease ended and another instance took over.
            if (SubscriptionView.Time(s, Backport.Due) != lease || s.Status is not (Status.Requested or Status.Active)) return false;
            s.Status = status;
            s.Error = error;
            SubscriptionView.SetCount(s, Backport.Delivered, delivered);
            SubscriptionView.SetCount(s, Backport.Attempts, attempts);
            if (sentSomething) SubscriptionView.SetTime(s, Backport.LastSent, unit.Now);
            var retry = attempts > 0 && status == Status.Active ? options.Value.RetryDelay * Math.Pow(2, attempts - 1) : (TimeSpan?)null;
            SubscriptionView.SetTime(s, Backport.Due, retry is { } r ? unit.Now + r : null);
            await unit.StageForRule(s, claimed.Key.Id, ct);
            return true;
        }, ct);
}
