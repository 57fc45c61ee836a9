namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// Canonical URLs of the Subscriptions R5 Backport IG for R4 (hl7.org/fhir/uv/subscriptions-backport) and of the
/// server's own Subscription bookkeeping extensions.
/// </summary>
public static class Backport
{
    private const string Base = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/";

    /// <summary>On <c>Subscription.criteria</c> (JSON <c>_criteria</c>): one filter, e.g. <c>Observation?patient=Patient/1</c>.</summary>
    public const string FilterCriteria = Base + "backport-filter-criteria";

    /// <summary>On <c>Subscription.channel.payload</c>: <c>empty</c>, <c>id-only</c> or <c>full-resource</c>.</summary>
    public const string PayloadContent = Base + "backport-payload-content";

    /// <summary>On <c>Subscription.channel</c>: seconds between heartbeats when nothing happens.</summary>
    public const string HeartbeatPeriod = Base + "backport-heartbeat-period";

    /// <summary>On a CapabilityStatement's Subscription resource entry: a topic the server supports.</summary>
    public const string TopicCanonical = Base + "capabilitystatement-subscriptiontopic-canonical";

    /// <summary>The profile of the notification Bundle and of its SubscriptionStatus Parameters.</summary>
    public const string NotificationProfile = Base + "backport-subscription-notification-r4";
    public const string StatusProfile = Base + "backport-subscription-status-r4";

    private const string Own = "http://fhirportal.org/fhir/StructureDefinition/";

    /// <summary>Server-kept: events recorded for the subscription so far (<c>events-since-subscription-start</c>).</summary>
    public const string EventCount = Own + "subscription-event-count";

    /// <summary>Server-kept: the last event number delivered.</summary>
    public const string Delivered = Own + "subscription-delivered";

    /// <summary>Server-kept: failed delivery attempts in a row.</summary>
    public const string Attempts = Own + "subscription-attempts";

    /// <summary>Server-kept: when the worker may next act (a retry after back-off, or the end of a claim's lease).</summary>
    public const string Due = Own + "subscription-due";

    /// <summary>Server-kept: the last time a notification (of any type) was sent, for heartbeats.</summary>
    public const string LastSent = Own + "subscription-last-sent";

    /// <summary>Server-kept: the creator's access (scopes and launch context), checked again at every delivery.</summary>
    public const string Owner = Own + "subscription-owner";

    /// <summary>The code of the Basic resources that record events (<see cref="SubscriptionEvents"/>).</summary>
    public const string EventCodeSystem = "http://fhirportal.org/fhir/CodeSystem/subscription-record";
    public const string EventCode = "subscription-event";

    /// <summary>An event a write staged and the worker has not numbered yet (<see cref="SubscriptionEventLog"/>).</summary>
    public const string PendingEventCode = "subscription-event-pending";

    /// <summary>A pending event whose subscription was deleted before the worker numbered it.</summary>
    public const string DroppedEventCode = "subscription-event-dropped";

    /// <summary>On an event record: its number (integer), focus (Reference) and the time of the write (instant).</summary>
    public const string EventNumber = Own + "subscription-event-number";
    public const string EventFocus = Own + "subscription-event-focus";
    public const string EventTime = Own + "subscription-event-time";

    /// <summary>Every server-kept extension: copied from the stored version over whatever a client sends.</summary>
    public static readonly string[] ServerKept = [EventCount, Delivered, Attempts, Due, LastSent, Owner, SubscriptionOwnerSearch.OwnedByExtension, SubscriptionOwnerSearch.OwnerClientExtension];
}
