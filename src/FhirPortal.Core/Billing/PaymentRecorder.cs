using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Billing;

/// <summary>
/// Records a provider-confirmed payment exactly once, unrestricted and audited: a PaymentReconciliation whose id is derived from
/// the provider's payment id (<c>stripe-{payment intent}</c>), so repeated, concurrent or out-of-order reports of the
/// same payment find it there (a concurrent create of the same id loses the commit and re-plans into "already
/// recorded"). Then the Invoice becomes <c>balanced</c> once its payments cover it.
/// </summary>
public sealed class PaymentRecorder(WriteRunner runner, CallerContext callers, AccessAudit audit)
{
    /// <summary>
    /// Who records provider payments: unrestricted like the server, but named (client <c>stripe-webhook</c>) so each
    /// recorded payment is an AuditEvent of the Invoice's patient (the server's own work is not audited).
    /// </summary>
    private static readonly Caller Webhook = new([], ClientId: "stripe-webhook") { Unrestricted = true, UserName = "Stripe webhook" };

    /// <summary>The PaymentReconciliation id of a provider payment id (ids allow letters, digits, '-' and '.').</summary>
    public static string PaymentId(string providerPaymentId) =>
        "stripe-" + new string([.. providerPaymentId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '-')]);

    /// <summary>The recorded payment (the earlier record when it was already there), or null when the Invoice is unknown.</summary>
    public async Task<StoredResource?> RecordAsync(ReceivedPayment payment, CancellationToken ct)
    {
        using var _ = callers.Use(Webhook);
        var (recorded, patient, isNew) = await runner.RunAsync<(StoredResource? Recorded, string? Patient, bool IsNew)>(async unit =>
        {
            var id = PaymentId(payment.ProviderPaymentId);
            if (await unit.CurrentAsync(new ResourceKey("PaymentReconciliation", id), ct) is { } existing) return (existing, null, false);
            if (await unit.CurrentAsync(new ResourceKey("Invoice", payment.InvoiceId), ct) is not { IsDeleted: false } invoice) return (null, null, false);
            var subject = InvoiceSubject.PatientId((Invoice)FhirParser.ParseStored(invoice.Json.Span));
            return (await unit.StageForRule(Reconciliation(payment, unit.Now), id, ct), subject, true);
        }, ct);
        if (recorded is null) return null;
        if (isNew)
            await audit.RecordAsync("operation", "Invoice", $"Invoice/{payment.InvoiceId}/$pay?payment={payment.ProviderPaymentId}", [recorded], patient is null ? [] : [patient]);
        await SettleAsync(payment.InvoiceId, ct);
        return recorded;
    }

    /// <summary>
    /// Marks an issued Invoice with its own total <c>balanced</c> when the committed payments cover it. Run after each
    /// recorded payment, so the last of several concurrent payments sees them all; concurrent settles of one Invoice
    /// collide on its version and re-plan into "already balanced". (An Invoice billing EOBs is left to billing staff.)
    /// </summary>
    private Task<bool> SettleAsync(string invoiceId, CancellationToken ct) =>
        runner.RunAsync(async unit =>
        {
            if (await unit.CurrentAsync(new ResourceKey("Invoice", invoiceId), ct) is not { IsDeleted: false } stored) return false;
            var invoice = (Invoice)FhirParser.ParseStored(stored.Json.Span);
            if (InvoiceAmounts.StatusCode(invoice) != "issued" || invoice.TotalNet?.Value is not { } total) return false;
            var payments = await unit.Store.SearchAsync(new SearchQuery("PaymentReconciliation", [OfInvoice(invoiceId)], 1000), ct);
            var paid = payments.Entries.SelectMany(p => InvoiceAmounts.Payments((PaymentReconciliation)FhirParser.ParseStored(p.Json.Span)))
                .Where(p => p.InvoiceId == invoiceId).Sum(p => p.Amount);
            if (paid < total) return false;
            invoice.Status = Invoice.InvoiceStatus.Balanced;
            if (invoice.Meta is { } meta) (meta.VersionId, meta.LastUpdated) = (null, null);
            await unit.StageForRule(invoice, invoiceId, ct);
            return true;
        }, ct);

    private static PaymentReconciliation Reconciliation(ReceivedPayment payment, DateTimeOffset now)
    {
        var date = payment.PaidAt.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        return new PaymentReconciliation
        {
            Meta = new Meta { Profile = ["http://fhirportal.org/fhir/StructureDefinition/portal-paymentreconciliation"] },
            Identifier = [new Identifier("https://stripe.com/payment_intent", payment.ProviderPaymentId)],
            Status = FinancialResourceStatusCodes.Active,
            Created = new FhirDateTime(now).Value,
            PaymentDate = date,
            PaymentAmount = BalanceOperation.Money(payment.Amount, payment.Currency),
            PaymentIdentifier = new Identifier("https://stripe.com/payment_intent", payment.ProviderPaymentId),
            Outcome = ClaimProcessingCodes.Complete,
            Disposition = "Paid online through Stripe.",
            Detail =
            [
                new PaymentReconciliation.DetailsComponent
                {
                    Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/payment-type", "payment", "Payment"),
                    Request = new ResourceReference($"Invoice/{payment.InvoiceId}"),
                    Date = date,
                    Amount = BalanceOperation.Money(payment.Amount, payment.Currency),
                },
            ],
        };
    }

    private static ReferenceCondition OfInvoice(string invoiceId) => new("invoice", [new ReferenceMatch("Invoice", invoiceId, null)]);

}
