using Hl7.Fhir.Model;

namespace FhirPortal.Core.Billing;

/// <summary>
/// Reads the amounts balances are made of from the stored resources:
/// <list type="bullet">
/// <item>An Invoice bills its <c>totalNet</c>. One without <c>totalNet</c> bills the patient responsibility of the
/// ExplanationOfBenefits its <c>invoice-explanation-of-benefit</c> extensions name: per EOB, the <c>total</c> of
/// category <c>submitted</c> minus the total of category <c>benefit</c> (what the payer did not pay), never below 0.</item>
/// <item>It is due on its <c>invoice-due-date</c> extension, else <c>date</c> + 30 days.</item>
/// <item>A payment is an <c>active</c> PaymentReconciliation; each <c>detail</c> whose <c>request</c> is
/// <c>Invoice/{id}</c> pays <c>detail.amount</c> on that Invoice.</item>
/// </list>
/// </summary>
public static class InvoiceAmounts
{
    private const string AdjudicationSystem = "http://terminology.hl7.org/CodeSystem/adjudication";

    /// <summary>The Invoice's charge; <paramref name="explanations"/> are the EOBs its extensions name (missing ones left out).</summary>
    public static InvoiceCharge Charge(string id, Invoice invoice, IReadOnlyList<ExplanationOfBenefit> explanations)
    {
        var due = DueDate(invoice);
        if (invoice.TotalNet is { Value: { } net } total)
            return new InvoiceCharge(id, StatusCode(invoice), net, CurrencyOf(total), due);
        var shares = explanations.Select(PatientResponsibility).ToList();
        var currency = shares.Select(s => s.Currency).FirstOrDefault(c => !string.IsNullOrEmpty(c)) ?? "";
        return new InvoiceCharge(id, StatusCode(invoice), shares.Sum(s => s.Amount), currency, due);
    }

    /// <summary>The Invoice's status as its FHIR code (issued, balanced, ...).</summary>
    public static string StatusCode(Invoice invoice) => invoice.StatusElement?.JsonValue as string ?? "";

    /// <summary>The ExplanationOfBenefit ids the Invoice bills (extension values <c>ExplanationOfBenefit/{id}</c>).</summary>
    public static IReadOnlyList<string> ExplanationIds(Invoice invoice) =>
        invoice.Extension.Where(e => e.Url == BillingDefinitions.ExplanationOfBenefitUrl)
            .Select(e => (e.Value as ResourceReference)?.Reference?.Split('/'))
            .Where(p => p is ["ExplanationOfBenefit", { Length: > 0 }])
            .Select(p => p![1]).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The due date: the extension, else the Invoice's date + 30 days (today's date + 30 without a date).</summary>
    public static DateOnly DueDate(Invoice invoice)
    {
        if (invoice.GetExtensionValue<Date>(BillingDefinitions.DueDateUrl)?.ToSystemDate() is { } due && due.Years is { } y)
            return new DateOnly(y, due.Months ?? 1, due.Days ?? 1);
        var date = invoice.DateElement?.ToDateTimeOffset(TimeSpan.Zero) ?? DateTimeOffset.UtcNow;
        return DateOnly.FromDateTime(date.UtcDateTime).AddDays(BillingDefinitions.DefaultPaymentTermDays);
    }

    /// <summary>What one EOB leaves the patient to pay: total submitted − total benefit, never below 0.</summary>
    public static (decimal Amount, string? Currency) PatientResponsibility(ExplanationOfBenefit eob)
    {
        Money? Total(string code) => eob.Total.FirstOrDefault(t => t.Category?.Coding.Any(c => c.System == AdjudicationSystem && c.Code == code) == true)?.Amount;
        var submitted = Total("submitted");
        var benefit = Total("benefit");
        var amount = Math.Max(0, (submitted?.Value ?? 0) - (benefit?.Value ?? 0));
        var currency = submitted ?? benefit;
        return (amount, currency is null ? null : CurrencyOf(currency));
    }

    /// <summary>What an active PaymentReconciliation pays on each Invoice it names (other statuses pay nothing).</summary>
    public static IEnumerable<InvoicePayment> Payments(PaymentReconciliation payment)
    {
        if (payment.Status != FinancialResourceStatusCodes.Active) yield break;
        foreach (var detail in payment.Detail)
            if (detail.Request?.Reference?.Split('/') is ["Invoice", { Length: > 0 } id] && detail.Amount?.Value is { } amount)
                yield return new InvoicePayment(id, amount, CurrencyOf(detail.Amount));
    }

    private static string CurrencyOf(Money money) => money.CurrencyElement?.JsonValue as string ?? "";
}
