using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Auth.Billing;

/// <summary>The <c>FhirPortal:Billing:GuestPay</c> section: the guest bill-pay page's session length, rate limit and lockout.</summary>
public sealed class GuestPayOptions
{
    public const string Section = "FhirPortal:Billing:GuestPay";

    /// <summary>The rate limiter policy on the page (requests per address).</summary>
    public const string RateLimitPolicy = "guest-bill-pay";

    /// <summary>How long a guest session lasts from the lookup that opened it.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "02:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Requests to the page per client address per minute (looking up, viewing and paying).</summary>
    [Range(1, 10000)]
    public int RequestsPerMinute { get; set; } = 30;

    /// <summary>Failed lookups with one guarantor ID or statement number before lookups with it are locked.</summary>
    [Range(1, 100)]
    public int MaxFailures { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan Lockout { get; set; } = TimeSpan.FromMinutes(30);
}
