using Hl7.Fhir.Model;

namespace FhirPortal.Core.Subscriptions;

/// <summary>One event to put in a notification: its number, focus and, for full-resource content, the resource.</summary>
public sealed record NotificationEvent(long Number, ResourceReference Focus, DateTimeOffset At, Resource? Resource);

/// <summary>
/// Builds backport notification Bundles (type <c>history</c>): the first entry is a <c>Parameters</c> SubscriptionStatus
/// (subscription, topic, status, type, events-since-subscription-start, notification-event*), then the focus resources
/// when the content is <c>full-resource</c>.
/// </summary>
public static class NotificationBundles
{
    /// <summary>The notification of <paramref name="type"/> (handshake, heartbeat, event-notification, query-status).</summary>
    public static Bundle Build(string baseUrl, string subscriptionId, Subscription subscription, string type, long eventCount,
        IReadOnlyList<NotificationEvent> events)
    {
        var content = SubscriptionView.Content(subscription);
        var status = Status(baseUrl, subscriptionId, subscription, type, eventCount, content == PayloadContent.Empty ? [] : events);
        var bundle = new Bundle
        {
            Id = Guid.NewGuid().ToString("N"),
            Meta = new Meta { Profile = [Backport.NotificationProfile] },
            Type = Bundle.BundleType.History,
            Timestamp = DateTimeOffset.UtcNow,
            Entry =
            [
                new Bundle.EntryComponent
                {
                    FullUrl = "urn:uuid:" + Guid.NewGuid(),
                    Resource = status,
                    Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.GET, Url = $"{baseUrl}/Subscription/{subscriptionId}/$status" },
                    Response = new Bundle.ResponseComponent { Status = "200" },
                },
            ],
        };
        if (content == PayloadContent.FullResource)
            foreach (var e in events.Where(e => e.Resource is not null))
                bundle.Entry.Add(new Bundle.EntryComponent
                {
                    FullUrl = $"{baseUrl}/{e.Focus.Reference}",
                    Resource = e.Resource,
                    Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = e.Focus.Reference },
                    Response = new Bundle.ResponseComponent { Status = "200" },
                });
        return bundle;
    }

    /// <summary>The SubscriptionStatus Parameters (also the answer of <c>$status</c>).</summary>
    public static Parameters Status(string baseUrl, string subscriptionId, Subscription subscription, string type, long eventCount,
        IReadOnlyList<NotificationEvent> events)
    {
        var parameters = new Parameters
        {
            Id = Guid.NewGuid().ToString("N"),
            Meta = new Meta { Profile = [Backport.StatusProfile] },
        };
        parameters.Add("subscription", new ResourceReference($"{baseUrl}/Subscription/{subscriptionId}"));
        parameters.Add("topic", new Canonical(subscription.Criteria));
        parameters.Add("status", new Code(subscription.Status?.ToString().ToLowerInvariant() ?? "requested"));
        parameters.Add("type", new Code(type));
        parameters.Add("events-since-subscription-start", new FhirString(eventCount.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var e in events)
        {
            var parts = new List<Tuple<string, Base>>
            {
                Tuple.Create("event-number", (Base)new FhirString(e.Number.ToString(System.Globalization.CultureInfo.InvariantCulture))),
                Tuple.Create("timestamp", (Base)new Instant(e.At)),
            };
            if (SubscriptionView.Content(subscription) != PayloadContent.Empty)
                parts.Add(Tuple.Create("focus", (Base)new ResourceReference($"{baseUrl}/{e.Focus.Reference}")));
            parameters.Add("notification-event", parts);
        }
        if (subscription.Error is { Length: > 0 } error)
            parameters.Add("error", new CodeableConcept { Text = error });
        return parameters;
    }
}
