using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;

namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// <c>Subscription/{id}/$status</c> and <c>$events</c> (backport IG): the subscription's SubscriptionStatus in a
/// searchset Bundle, and its recorded events (those the caller may read) in a history notification Bundle.
/// </summary>
public sealed class SubscriptionStatusOperation(IResourceStore store, SubscriptionEventLog log, CallerContext callers, IOptions<SubscriptionOptions> options)
{
    public async Task<Bundle> StatusAsync(string id, string baseUrl, CancellationToken ct)
    {
        var (subscription, _) = await ReadAsync(id, ct);
        var status = NotificationBundles.Status(baseUrl, id, subscription, "query-status", SubscriptionView.Count(subscription, Backport.EventCount), []);
        return new Bundle
        {
            Id = Guid.NewGuid().ToString("N"),
            Type = Bundle.BundleType.Searchset,
            Total = 1,
            Entry = [new Bundle.EntryComponent { FullUrl = "urn:uuid:" + Guid.NewGuid(), Resource = status, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } }],
        };
    }

    /// <summary>
    /// Events numbered from <paramref name="since"/> to <paramref name="until"/> (both optional, inclusive), at most one
    /// page (<see cref="SubscriptionOptions.EventPage"/>): a client asks again from the number after the last one.
    /// </summary>
    public async Task<Bundle> EventsAsync(string id, string baseUrl, long? since, long? until, CancellationToken ct)
    {
        var (subscription, _) = await ReadAsync(id, ct);
        var count = SubscriptionView.Count(subscription, Backport.EventCount);
        var events = new List<NotificationEvent>();
        foreach (var e in await log.PageAsync(id, Math.Max(since ?? 1, 1) - 1, Math.Min(until ?? count, count), options.Value.EventPage, ct))
        {
            var parts = (e.Focus.Reference ?? "").Split('/');
            // Only events whose focus the caller may read now are listed (with their number, so gaps show).
            if (parts.Length == 2 && await store.ReadAsync(new ResourceKey(parts[0], parts[1]), ct) is { IsDeleted: false } focus
                && await callers.Current.MayReadAsync(focus, Permissions.Read, ct))
                events.Add(new NotificationEvent(e.Number, e.Focus, e.At, null));
        }
        return NotificationBundles.Build(baseUrl, id, subscription, "query-event", count, events);
    }

    private async Task<(Subscription, StoredResource)> ReadAsync(string id, CancellationToken ct)
    {
        var key = new ResourceKey("Subscription", id);
        callers.Current.Require("Subscription", Permissions.Read);
        if (await store.ReadAsync(key, ct) is not { IsDeleted: false } version) throw FhirOutcomeException.NotFound($"{key} is not known.");
        await callers.Current.RequireReadAsync(version, Permissions.Read, ct);
        return ((Subscription)FhirParser.ParseStored(version.Json.Span), version);
    }
}
