using FhirPortal.Core;
using FhirPortal.Core.Billing;
using Microsoft.Extensions.Options;
using Stripe;
using Stripe.Checkout;

namespace FhirPortal.Server.Billing;

/// <summary>
/// <c>POST /billing/stripe/webhook</c>: Stripe's signed event notifications. The <c>Stripe-Signature</c> header is
/// checked with the webhook secret (Stripe.net's EventUtility: HMAC-SHA256 of "{timestamp}.{payload}", timestamp
/// within the tolerance); a bad or missing signature is 400 and logged. A paid <c>checkout.session.completed</c> (or
/// <c>checkout.session.async_payment_succeeded</c>) and <c>payment_intent.succeeded</c> both name the payment intent
/// and our invoice (metadata), and make one call to <see cref="PaymentRecorder"/>, which records it once.
/// </summary>
internal static class StripeWebhookEndpoint
{
    private const int MaxPayloadBytes = 512 * 1024;

    public static IEndpointRouteBuilder MapStripeWebhook(this IEndpointRouteBuilder app)
    {
        app.MapPost("/billing/stripe/webhook", ReceiveAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task ReceiveAsync(HttpContext context, IOptions<StripeOptions> options, PaymentRecorder recorder, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("FhirPortal.Billing.StripeWebhook");
        var o = options.Value;
        if (string.IsNullOrEmpty(o.WebhookSecret))
            throw FhirOutcomeException.Single(501, Hl7.Fhir.Model.OperationOutcome.IssueType.NotSupported, "Stripe webhooks are not set up (FhirPortal:Billing:Stripe:WebhookSecret).");
        var payload = await ReadBoundedAsync(context.Request, context.RequestAborted);
        Event stripeEvent;
        try
        {
            // Note: the signature is the only thing that makes the event trustworthy; nothing is read before it holds.
            stripeEvent = EventUtility.ConstructEvent(payload, context.Request.Headers["Stripe-Signature"].ToString(), o.WebhookSecret,
                o.WebhookToleranceSeconds, throwOnApiVersionMismatch: false);
        }
        catch (StripeException e)
        {
            logger.LogWarning("Stripe webhook refused from {Address}: {Reason}", context.Connection.RemoteIpAddress, e.Message);
            throw FhirOutcomeException.BadRequest("The Stripe-Signature does not verify.");
        }

        if (Payment(stripeEvent) is { } payment)
        {
            var recorded = await recorder.RecordAsync(payment, context.RequestAborted);
            if (recorded is null) logger.LogWarning("Stripe payment {Payment} names Invoice/{Invoice}, which is not known; not recorded", payment.ProviderPaymentId, payment.InvoiceId);
            else logger.LogInformation("Stripe payment {Payment} ({Event}) is {Record}", payment.ProviderPaymentId, stripeEvent.Type, recorded.Key);
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>
    /// The body as text, refused with 413 once it passes <see cref="MaxPayloadBytes"/>: Content-Length up front, and a
    /// chunked body (no Content-Length) while it is read, so no more than the limit is buffered before the signature check.
    /// </summary>
    private static async Task<string> ReadBoundedAsync(HttpRequest request, CancellationToken cancel)
    {
        if (request.ContentLength > MaxPayloadBytes) throw TooLarge();
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancel)) > 0)
        {
            if (buffer.Length + read > MaxPayloadBytes) throw TooLarge();
            buffer.Write(chunk, 0, read);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static FhirOutcomeException TooLarge() => FhirOutcomeException.TooLarge("The webhook payload is too large.");

    /// <summary>The payment an event confirms, or null (other events, unpaid sessions, payments not started by $pay).</summary>
    private static ReceivedPayment? Payment(Event stripeEvent)
    {
        var paidAt = stripeEvent.Created;
        return stripeEvent.Data.Object switch
        {
            Session { PaymentStatus: "paid", PaymentIntentId: { Length: > 0 } intent, AmountTotal: { } total } session
                when stripeEvent.Type is EventTypes.CheckoutSessionCompleted or EventTypes.CheckoutSessionAsyncPaymentSucceeded
                     && session.Metadata?.GetValueOrDefault("invoice") is { Length: > 0 } invoice =>
                new ReceivedPayment(intent, invoice, StripeAmounts.FromMinor(total, session.Currency), StripeAmounts.Currency(session.Currency), paidAt),
            PaymentIntent { Id: { Length: > 0 } intent } paymentIntent
                when stripeEvent.Type == EventTypes.PaymentIntentSucceeded && paymentIntent.Metadata?.GetValueOrDefault("invoice") is { Length: > 0 } invoice =>
                new ReceivedPayment(intent, invoice, StripeAmounts.FromMinor(paymentIntent.AmountReceived, paymentIntent.Currency),
                    StripeAmounts.Currency(paymentIntent.Currency), paidAt),
            _ => null,
        };
    }
}
