namespace FhirPortal.Server.Billing;

/// <summary>
/// Stripe settings (<c>FhirPortal:Billing:Stripe</c>). With <see cref="SecretKey"/> set, <c>Invoice/$pay</c> creates
/// Stripe Checkout Sessions; with <see cref="WebhookSecret"/> set, <c>/billing/stripe/webhook</c> records payments.
/// </summary>
public sealed class StripeOptions
{
    public const string Section = "FhirPortal:Billing:Stripe";

    /// <summary>The API secret key (sk_...).</summary>
    public string? SecretKey { get; set; }

    /// <summary>The webhook endpoint's signing secret (whsec_...).</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Where the API lives; only changed to point the SDK at a stand-in (tests, a proxy).</summary>
    public Uri ApiBase { get; set; } = new("https://api.stripe.com");

    /// <summary>Where Stripe sends the patient back after paying or giving up (the portal's billing page).</summary>
    public Uri ReturnUrl { get; set; } = new("http://localhost:5000/");

    /// <summary>How old a webhook's signed timestamp may be (Stripe's default tolerance: 300 s).</summary>
    public int WebhookToleranceSeconds { get; set; } = 300;
}
