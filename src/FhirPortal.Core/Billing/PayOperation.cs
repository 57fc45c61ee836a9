using System.Text.RegularExpressions;
using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Billing;

/// <summary>
/// <c>POST Invoice/{id}/$pay</c>: starts a payment of an issued Invoice on the provider's page, for whoever may read
/// the Invoice. The amount (default: what is open on the Invoice) must be more than 0, at most what is open and in
/// whole minor units of its currency (<see cref="CurrencyMinorUnits"/>); the same <c>attempt</c> (a double click, a
/// reload) gets the same provider session. The payment itself is recorded when the provider confirms it (<see cref="PaymentRecorder"/>). Audited as an operation on the Invoice's patient, refused attempts too.
/// </summary>
public sealed partial class PayOperation(IResourceStore store, CallerContext callers, AccessAudit audit, AccountLedger ledgers, IPaymentProvider provider)
{
    private sealed record Result(Parameters Parameters, StoredResource Invoice);

    /// <summary>
    /// Starts the payment. The Invoice's patient is looked up first (as the server), so a refused attempt (more than
    /// is open, another patient's Invoice) is audited for the patient whose bill it was, like an accepted one.
    /// </summary>
    public async Task<Parameters> PayAsync(string invoiceId, decimal? amount, string? attempt, CancellationToken ct)
    {
        var concerned = await store.ReadAsync(new ResourceKey("Invoice", invoiceId), ct) is { IsDeleted: false } stored
                        && InvoiceSubject.PatientId((Invoice)FhirParser.ParseStored(stored.Json.Span)) is { } patient ? new[] { patient } : [];
        return (await audit.RecordAsync("operation", "Invoice", $"Invoice/{invoiceId}/$pay", concerned,
            () => StartAsync(invoiceId, amount, attempt, ct), r => [r.Invoice])).Parameters;
    }

    private async Task<Result> StartAsync(string invoiceId, decimal? amount, string? attempt, CancellationToken ct)
    {
        if (!provider.Configured)
            throw FhirOutcomeException.Single(501, OperationOutcome.IssueType.NotSupported,
                "Online payment is not set up on this server (FhirPortal:Billing:Stripe:SecretKey); pay by the means on your statement.");
        if (attempt is not null && !AttemptPattern().IsMatch(attempt))
            throw FhirOutcomeException.BadRequest("attempt must be 1-64 letters, digits or '-'.", "Parameters.parameter.where(name='attempt')");
        var access = callers.Current;
        var key = new ResourceKey("Invoice", invoiceId);
        access.Require(key.Type, Permissions.Read);
        var stored = await store.ReadAsync(key, ct) ?? throw FhirOutcomeException.NotFound($"{key} is not known.");
        await access.RequireReadAsync(stored, Permissions.Read, ct);
        if (stored.IsDeleted) throw FhirOutcomeException.Gone($"{key} was deleted.");
        var invoice = (Invoice)FhirParser.ParseStored(stored.Json.Span);
        if (InvoiceAmounts.StatusCode(invoice) != "issued")
            throw FhirOutcomeException.Unprocessable($"{key} is {InvoiceAmounts.StatusCode(invoice)}; only an issued invoice can be paid.");

        var open = await OpenAsync(invoice, invoiceId, ct);
        if (open.Amount <= 0) throw FhirOutcomeException.Unprocessable($"{key} is paid in full; nothing is open on it.");
        var pay = amount ?? open.Amount;
        if (pay <= 0 || pay > open.Amount)
            throw FhirOutcomeException.Unprocessable($"The amount must be more than 0 and at most what is open on {key} ({open.Amount} {open.Currency}).",
                "Parameters.parameter.where(name='amount')");
        // Refused rather than rounded: a rounded amount could pass what is open, and the provider takes minor units only.
        if (!CurrencyMinorUnits.Fits(pay, open.Currency))
            throw FhirOutcomeException.Unprocessable(
                $"The amount {pay} has more decimal places than {open.Currency} allows ({CurrencyMinorUnits.Decimals(open.Currency)}).",
                "Parameters.parameter.where(name='amount')");
        attempt ??= Guid.NewGuid().ToString("N");
        var session = await provider.StartCheckoutAsync(new CheckoutRequest(invoiceId, attempt, pay, open.Currency, $"Statement {invoiceId}"), ct);

        var parameters = new Parameters();
        parameters.Add("url", new FhirUri(session.Url));
        parameters.Add("session", new FhirString(session.Id));
        parameters.Add("attempt", new FhirString(attempt));
        parameters.Add("amount", BalanceOperation.Money(pay, open.Currency));
        return new Result(parameters, stored);
    }

    /// <summary>What is open on the Invoice now: its charge minus the payments on it (the Account's ledger).</summary>
    private async Task<(decimal Amount, string Currency)> OpenAsync(Invoice invoice, string invoiceId, CancellationToken ct)
    {
        var accountId = invoice.Account?.Reference?.Split('/') is ["Account", { Length: > 0 } id] ? id : null;
        var account = accountId is null ? null : await store.ReadAsync(new ResourceKey("Account", accountId), ct);
        if (account is not { IsDeleted: false })
            throw FhirOutcomeException.Unprocessable($"Invoice/{invoiceId} has no Account on this server; it cannot be paid online.");
        var ledger = await ledgers.LoadAsync(account, ct);
        var charge = ledger.Charges.FirstOrDefault(c => c.Id == invoiceId)
                     ?? throw FhirOutcomeException.Unprocessable($"Invoice/{invoiceId} is not among the invoices of Account/{accountId}.");
        var paid = ledger.Received.Where(p => p.InvoiceId == invoiceId).Sum(p => p.Amount);
        return (charge.Amount - paid, charge.Currency);
    }

    [GeneratedRegex("^[A-Za-z0-9-]{1,64}$")]
    private static partial Regex AttemptPattern();
}
