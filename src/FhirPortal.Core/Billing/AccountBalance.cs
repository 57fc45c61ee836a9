namespace FhirPortal.Core.Billing;

/// <summary>One Invoice's part in a balance: what it bills (<see cref="InvoiceAmount"/>), in which currency, due when.</summary>
public sealed record InvoiceCharge(string Id, string Status, decimal Amount, string Currency, DateOnly Due);

/// <summary>Money received for one Invoice (an active PaymentReconciliation's detail naming it).</summary>
public sealed record InvoicePayment(string InvoiceId, decimal Amount, string Currency);

/// <summary>An issued Invoice not yet paid in full: what is left of it.</summary>
public sealed record OpenInvoice(string Id, decimal Open, DateOnly Due);

/// <summary>
/// An Account's balance, computed from its Invoices and payments every time (never stored).
/// <see cref="Balance"/> = what issued and balanced Invoices bill − every payment received for the Account's Invoices;
/// it is never negative: an overpayment is <see cref="Credit"/>. <see cref="AmountDue"/> = the balance, due by the
/// earliest due date of the open Invoices (issued ones whose payments do not cover them).
/// </summary>
public sealed record AccountBalance(decimal Balance, decimal Credit, decimal AmountDue, DateOnly? DueDate, string? Currency, IReadOnlyList<OpenInvoice> Open)
{
    /// <summary>Statuses whose Invoices bill the patient (draft, cancelled and entered-in-error bill nothing).</summary>
    public static bool Bills(string status) => status is "issued" or "balanced";

    /// <summary>
    /// The balance of <paramref name="invoices"/> given <paramref name="payments"/> (those naming another invoice are
    /// ignored). Payments for a cancelled invoice stay received money, so they become credit. One currency per
    /// account: a mix is 422.
    /// </summary>
    public static AccountBalance Compute(IReadOnlyList<InvoiceCharge> invoices, IReadOnlyList<InvoicePayment> payments)
    {
        var ids = invoices.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var received = payments.Where(p => ids.Contains(p.InvoiceId)).ToList();
        var currencies = invoices.Where(i => Bills(i.Status)).Select(i => i.Currency).Concat(received.Select(p => p.Currency))
            .Distinct(StringComparer.Ordinal).ToList();
        if (currencies.Count > 1)
            throw FhirOutcomeException.Unprocessable($"The account's invoices and payments use several currencies ({string.Join(", ", currencies)}); a balance needs one.");

        var paidPer = received.GroupBy(p => p.InvoiceId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(p => p.Amount), StringComparer.Ordinal);
        var net = invoices.Where(i => Bills(i.Status)).Sum(i => i.Amount) - received.Sum(p => p.Amount);
        var open = invoices
            .Where(i => i.Status == "issued")
            .Select(i => new OpenInvoice(i.Id, i.Amount - paidPer.GetValueOrDefault(i.Id), i.Due))
            .Where(o => o.Open > 0)
            .OrderBy(o => o.Due).ThenBy(o => o.Id, StringComparer.Ordinal)
            .ToList();
        var balance = Math.Max(0, net);
        DateOnly? due = balance > 0 && open.Count > 0 ? open[0].Due : null;
        return new AccountBalance(balance, Math.Max(0, -net), balance, due, currencies.FirstOrDefault(), open);
    }
}
