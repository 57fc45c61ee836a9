using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;

namespace FhirPortal.PatientPortal.Fhir;

/// <summary>
/// The patient's bills through the server's billing API: the Accounts they are covered by or pay for, each with
/// <c>Account/{id}/$balance</c> (the server computes balances; nothing here adds up money itself except the Home total),
/// the Invoices (statements) on them, the PaymentReconciliations that paid them, and <c>Invoice/{id}/$pay</c>.
/// </summary>
public sealed class Billing(PatientRecord record)
{
    /// <summary>The Accounts the patient is a subject or the guarantor of, with the server's balance of each.</summary>
    public async Task<List<AccountBill>> AccountsAsync()
    {
        var covered = await record.SearchAsync<Account>($"subject={record.PatientReference}", "_count=50");
        var guaranteed = await record.SearchAsync<Account>($"guarantor={record.PatientReference}", "_count=50");
        var bills = new List<AccountBill>();
        foreach (var account in covered.Concat(guaranteed).DistinctBy(a => a.Id))
            bills.Add(new AccountBill(account, await BalanceAsync(account.Id!)));
        return bills;
    }

    /// <summary><c>GET Account/{id}/$balance</c>: amount due, earliest due date and the open invoices.</summary>
    public async Task<AccountBalance> BalanceAsync(string accountId)
    {
        var result = (Parameters)(await (await record.ClientAsync()).InstanceOperationAsync(
            new Uri("Account/" + accountId, UriKind.Relative), "balance", useGet: true))!;
        var open = result.Parameter.Where(p => p.Name == "invoice").Select(p => new OpenInvoice(
            (p.Part.FirstOrDefault(x => x.Name == "reference")?.Value as ResourceReference)?.Reference ?? "",
            p.Part.FirstOrDefault(x => x.Name == "open")?.Value as Money,
            (p.Part.FirstOrDefault(x => x.Name == "dueDate")?.Value as Date)?.Value)).ToList();
        return new AccountBalance(result.GetSingleValue<Money>("balance"), result.GetSingleValue<Money>("credit"),
            result.GetSingleValue<Date>("dueDate")?.Value, open);
    }

    /// <summary>The statements on the patient's Accounts, newest first.</summary>
    public async Task<List<Invoice>> InvoicesAsync(IEnumerable<AccountBill> accounts)
    {
        var references = string.Join(',', accounts.Select(a => "Account/" + a.Account.Id));
        return references.Length == 0 ? [] : await record.SearchAsync<Invoice>($"account={references}", "_sort=-date", "_count=100");
    }

    /// <summary>The payments recorded on <paramref name="invoices"/>, newest first.</summary>
    public async Task<List<PaymentReconciliation>> PaymentsAsync(IEnumerable<Invoice> invoices)
    {
        var references = string.Join(',', invoices.Select(i => "Invoice/" + i.Id));
        return references.Length == 0 ? [] : await record.SearchAsync<PaymentReconciliation>($"invoice={references}", "_sort=-created", "_count=100");
    }

    /// <summary>
    /// <c>POST Invoice/{id}/$pay</c> for what is open on it: the provider's checkout page to send the patient to. The
    /// attempt id makes a double submit return the same checkout session.
    /// </summary>
    public async Task<Uri> PayAsync(string invoiceId, string attempt)
    {
        var parameters = new Parameters();
        parameters.Add("attempt", new FhirString(attempt));
        var result = (Parameters)(await (await record.ClientAsync()).InstanceOperationAsync(
            new Uri("Invoice/" + invoiceId, UriKind.Relative), "pay", parameters))!;
        var url = result.GetSingleValue<FhirUri>("url")?.Value ?? throw new InvalidOperationException("$pay answered without a url.");
        return new Uri(url, UriKind.Absolute);
    }

    /// <summary>The server's explanation of a refused call (its OperationOutcome).</summary>
    public static string Problem(FhirOperationException e) =>
        e.Outcome?.Issue.Select(i => i.Diagnostics ?? i.Details?.Text).FirstOrDefault(t => !string.IsNullOrEmpty(t))
        ?? $"The server refused the request ({(int)e.Status}).";
}

/// <summary>An Account and the server's balance of it.</summary>
public sealed record AccountBill(Account Account, AccountBalance Balance);

/// <summary>The parts of a <c>$balance</c> answer the pages show.</summary>
public sealed record AccountBalance(Money? Balance, Money? Credit, string? DueDate, List<OpenInvoice> OpenInvoices);

/// <summary>An issued Invoice not yet paid in full: what is open on it and when it is due.</summary>
public sealed record OpenInvoice(string Reference, Money? Open, string? DueDate)
{
    public string Id => Reference.Split('/').Last();
}
