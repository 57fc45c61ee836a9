using System.Globalization;
using FhirPortal.Core;
using FhirPortal.Core.Billing;
using Microsoft.Extensions.Options;
using Stripe;
using Stripe.Checkout;

namespace FhirPortal.Server.Billing;

/// <summary>
/// The payment provider through Stripe.net: a Checkout Session in payment mode for one line (the statement), with
/// the invoice and attempt ids as metadata on the session and its payment intent, and an idempotency key per attempt.
/// </summary>
internal sealed class StripePayments(IOptions<StripeOptions> options, ILogger<StripePayments> logger) : IPaymentProvider
{
    private readonly Lazy<StripeClient> _client = new(() => new StripeClient(new StripeClientOptions
    {
        ApiKey = options.Value.SecretKey,
        ApiBase = options.Value.ApiBase.ToString().TrimEnd('/'),
    }));

    public bool Configured => !string.IsNullOrEmpty(options.Value.SecretKey);

    public async Task<CheckoutSession> StartCheckoutAsync(CheckoutRequest request, CancellationToken ct)
    {
        var metadata = new Dictionary<string, string> { ["invoice"] = request.InvoiceId, ["attempt"] = request.AttemptId };
        var create = new SessionCreateOptions
        {
            Mode = "payment",
            SuccessUrl = options.Value.ReturnUrl.ToString(),
            CancelUrl = options.Value.ReturnUrl.ToString(),
            ClientReferenceId = request.InvoiceId,
            Metadata = metadata,
            PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = new Dictionary<string, string>(metadata) },
            LineItems =
            [
                new SessionLineItemOptions
                {
                    Quantity = 1,
                    PriceData = new SessionLineItemPriceDataOptions
                    {
                        Currency = request.Currency.ToLowerInvariant(),
                        UnitAmount = StripeAmounts.ToMinor(request.Amount, request.Currency),
                        ProductData = new SessionLineItemPriceDataProductDataOptions { Name = request.Description },
                    },
                },
            ],
        };
        try
        {
            // Note: one key per attempt, so a double click or a retry after a timeout gets the same session.
            var session = await new SessionService(_client.Value).CreateAsync(create,
                new RequestOptions { IdempotencyKey = $"invoice-{request.InvoiceId}-attempt-{request.AttemptId}" }, ct);
            return new CheckoutSession(session.Id, session.Url);
        }
        catch (StripeException e)
        {
            logger.LogWarning(e, "Stripe refused a Checkout Session for Invoice/{Invoice} (attempt {Attempt})", request.InvoiceId, request.AttemptId);
            throw FhirOutcomeException.Single(502, Hl7.Fhir.Model.OperationOutcome.IssueType.Transient,
                $"The payment provider refused to start the payment ({e.StripeError?.Code ?? e.HttpStatusCode.ToString()}); try again later.");
        }
    }
}

/// <summary>Stripe amounts are integers in the currency's smallest unit (https://docs.stripe.com/currencies#zero-decimal).</summary>
internal static class StripeAmounts
{
    private static decimal Factor(string currency) => CurrencyMinorUnits.Factor(currency);

    public static long ToMinor(decimal amount, string currency) => (long)decimal.Round(amount * Factor(currency), MidpointRounding.AwayFromZero);

    public static decimal FromMinor(long amount, string currency) => amount / Factor(currency);

    /// <summary>The ISO 4217 code as FHIR writes it (upper case).</summary>
    public static string Currency(string? stripeCurrency) => (stripeCurrency ?? "").ToUpper(CultureInfo.InvariantCulture);
}
