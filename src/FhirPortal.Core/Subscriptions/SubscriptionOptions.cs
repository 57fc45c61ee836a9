using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Core.Subscriptions;

/// <summary>FHIR Subscription settings (<c>FhirPortal:Subscriptions</c>): endpoint guard, delivery worker, retries.</summary>
public sealed class SubscriptionOptions
{
    public const string Section = "FhirPortal:Subscriptions";

    /// <summary>Runs the delivery worker in the background (off: events are recorded but not sent).</summary>
    public bool Background { get; set; } = true;

    /// <summary>How often the worker looks for subscriptions with something to send.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "1.00:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Allows <c>http</c> endpoints (the host turns it on in Development); otherwise only <c>https</c>.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>Allows endpoints resolving to loopback, private or link-local addresses (tests; never on a public server).</summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Failed deliveries in a row before the subscription goes to status error.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Delay before the first retry; doubled for each further failure.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a worker owns a subscription it claimed; another instance takes it over after that.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Events read at a time: one page of the worker's delivery, and the most one <c>$events</c> call returns.</summary>
    [Range(1, 1000)]
    public int EventPage { get; set; } = 100;

    /// <summary>Requested or active subscriptions one owner (client and user) may have; the next is refused (422).</summary>
    [Range(1, 10000)]
    public int MaxPerOwner { get; set; } = 20;

    /// <summary>Time-out of one POST to an endpoint.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
