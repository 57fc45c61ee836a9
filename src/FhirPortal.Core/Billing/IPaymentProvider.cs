namespace FhirPortal.Core.Billing;

/// <summary>A payment to start on the provider's page: <see cref="Amount"/> of <see cref="Currency"/> for one Invoice and attempt.</summary>
public sealed record CheckoutRequest(string InvoiceId, string AttemptId, decimal Amount, string Currency, string Description);

/// <summary>The provider's payment page for a <see cref="CheckoutRequest"/>.</summary>
public sealed record CheckoutSession(string Id, string Url);

/// <summary>
/// The outside payment service (Stripe in the host): it shows the payment page, so card and bank details never reach
/// this server. The same request (same attempt) gives the same session: the provider is called with an idempotency key.
/// </summary>
public interface IPaymentProvider
{
    /// <summary>False when no provider is configured: $pay then answers 501.</summary>
    bool Configured { get; }

    Task<CheckoutSession> StartCheckoutAsync(CheckoutRequest request, CancellationToken ct);
}

/// <summary>
/// A payment the provider confirmed (a signed webhook): <see cref="ProviderPaymentId"/> (Stripe's payment intent id)
/// identifies it, so each is recorded once however often and in whatever order it is reported.
/// </summary>
public sealed record ReceivedPayment(string ProviderPaymentId, string InvoiceId, decimal Amount, string Currency, DateTimeOffset PaidAt);
