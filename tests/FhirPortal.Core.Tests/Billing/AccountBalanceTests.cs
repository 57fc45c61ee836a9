using FhirPortal.Core;
using FhirPortal.Core.Billing;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Billing;

/// <summary>Balance arithmetic over invoices, insurance (EOB patient responsibility) and payments.</summary>
public sealed class AccountBalanceTests
{
    private static readonly DateOnly Day = new(2030, 3, 1);

    /// <summary>
    /// Invoices as "id:status:amount[:due-offset-days]", payments as "invoice:amount"; expected balance, credit, due
    /// offset (days after <see cref="Day"/>, or -1 for none) and the open invoices as "id=open".
    /// </summary>
    [Theory]
    [InlineData("", "", 0, 0, -1, "")]
    [InlineData("a:issued:100", "", 100, 0, 0, "a=100")]
    [InlineData("a:issued:100", "a:40", 60, 0, 0, "a=60")]
    [InlineData("a:issued:100", "a:40,a:60", 0, 0, -1, "")]
    [InlineData("a:issued:100", "a:150", 0, 50, -1, "")]
    [InlineData("a:balanced:100", "a:100", 0, 0, -1, "")]
    [InlineData("a:issued:100:10,b:issued:50:5", "", 150, 0, 5, "b=50,a=100")]
    [InlineData("a:issued:100:10,b:issued:50:5", "b:50", 100, 0, 10, "a=100")]
    [InlineData("a:issued:100,b:issued:50", "a:130", 20, 0, 0, "b=50")]
    [InlineData("a:cancelled:100,b:issued:50", "", 50, 0, 0, "b=50")]
    [InlineData("a:cancelled:100,b:issued:50", "a:80", 0, 30, -1, "b=50")]
    [InlineData("a:draft:100,b:entered-in-error:70", "", 0, 0, -1, "")]
    [InlineData("a:issued:100", "other:100", 100, 0, 0, "a=100")]
    [InlineData("a:issued:10.10,b:issued:0.20", "a:0.30", 10.00, 0, 0, "a=9.80,b=0.20")]
    public void Balance_is_billed_minus_paid_never_below_zero_with_overpayment_as_credit(
        string invoices, string payments, double balance, double credit, int dueOffset, string open)
    {
        var charges = Split(invoices).Select(i => i.Split(':')).Select(p =>
            new InvoiceCharge(p[0], p[1], decimal.Parse(p[2]), "USD", Day.AddDays(p.Length > 3 ? int.Parse(p[3]) : 0))).ToList();
        var received = Split(payments).Select(p => p.Split(':')).Select(p => new InvoicePayment(p[0], decimal.Parse(p[1]), "USD")).ToList();

        var result = AccountBalance.Compute(charges, received);

        Assert.Equal((decimal)balance, result.Balance);
        Assert.Equal((decimal)credit, result.Credit);
        Assert.Equal(result.Balance, result.AmountDue);
        Assert.Equal(dueOffset < 0 ? null : Day.AddDays(dueOffset), result.DueDate);
        Assert.Equal(open, string.Join(",", result.Open.Select(o => $"{o.Id}={o.Open}")));
    }

    [Fact]
    public void Invoices_and_payments_in_several_currencies_are_422()
    {
        var error = Assert.Throws<FhirOutcomeException>(() => AccountBalance.Compute(
            [new InvoiceCharge("a", "issued", 10, "USD", Day), new InvoiceCharge("b", "issued", 10, "EUR", Day)], []));
        Assert.Equal(422, error.Status);
    }

    /// <summary>EOB totals "submitted,benefit" (empty: absent) → the patient responsibility an Invoice without totalNet bills.</summary>
    [Theory]
    [InlineData("100,80", 20)]
    [InlineData("100,", 100)]
    [InlineData("100,120", 0)]
    [InlineData(",", 0)]
    public void An_invoice_without_totalNet_bills_the_patient_responsibility_of_its_explanations_of_benefit(string totals, double expected)
    {
        var parts = totals.Split(',');
        var eob = new ExplanationOfBenefit();
        if (parts[0].Length > 0) eob.Total.Add(Total("submitted", decimal.Parse(parts[0])));
        if (parts[1].Length > 0) eob.Total.Add(Total("benefit", decimal.Parse(parts[1])));
        var invoice = new Invoice { Status = Invoice.InvoiceStatus.Issued, Date = "2030-03-01" };

        var charge = InvoiceAmounts.Charge("i", invoice, [eob, eob]);

        Assert.Equal(2 * (decimal)expected, charge.Amount);
        Assert.Equal(new DateOnly(2030, 3, 31), charge.Due);
    }

    [Fact]
    public void An_invoice_with_totalNet_bills_it_and_the_due_date_extension_wins()
    {
        var invoice = new Invoice { Status = Invoice.InvoiceStatus.Issued, Date = "2030-03-01", TotalNet = BalanceOperation.Money(42.5m, "USD") };
        invoice.SetExtension(BillingDefinitions.DueDateUrl, new Date(2030, 3, 15));

        var charge = InvoiceAmounts.Charge("i", invoice, [new ExplanationOfBenefit { Total = [Total("submitted", 1000)] }]);

        Assert.Equal((42.5m, "USD", "issued", new DateOnly(2030, 3, 15)), (charge.Amount, charge.Currency, charge.Status, charge.Due));
    }

    [Theory]
    [InlineData(FinancialResourceStatusCodes.Active, 2)]
    [InlineData(FinancialResourceStatusCodes.Cancelled, 0)]
    [InlineData(FinancialResourceStatusCodes.EnteredInError, 0)]
    public void Only_active_payments_pay_and_each_detail_pays_its_invoice(FinancialResourceStatusCodes status, int count)
    {
        var payment = new PaymentReconciliation
        {
            Status = status,
            Detail =
            [
                new() { Request = new ResourceReference("Invoice/a"), Amount = BalanceOperation.Money(5, "USD") },
                new() { Request = new ResourceReference("Invoice/b"), Amount = BalanceOperation.Money(7, "USD") },
                new() { Request = new ResourceReference("Claim/c"), Amount = BalanceOperation.Money(9, "USD") },
            ],
        };

        Assert.Equal(count, InvoiceAmounts.Payments(payment).Count());
        if (count > 0) Assert.Equal(["a:5", "b:7"], InvoiceAmounts.Payments(payment).Select(p => $"{p.InvoiceId}:{p.Amount}"));
    }

    private static ExplanationOfBenefit.TotalComponent Total(string code, decimal value) => new()
    {
        Category = new CodeableConcept("http://terminology.hl7.org/CodeSystem/adjudication", code),
        Amount = BalanceOperation.Money(value, "USD"),
    };

    private static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries);
}
