using FhirPortal.PatientPortal.Fhir;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>
/// Bills: balance and due date per account, open statements with "Pay" ($pay, then the provider's checkout page),
/// statement downloads ($statement as PDF or HTML) and payment history. The provider sends the patient back to
/// <c>/Bills?payment=return</c> (the server's <c>FhirPortal:Billing:Stripe:ReturnUrl</c>); the page then says whether
/// the server has recorded the payment.
/// </summary>
public sealed class BillsModel(PatientRecord record, Billing billing, IOptions<PortalOptions> options) : PageModel
{
    public List<AccountBill> Accounts { get; private set; } = [];
    public List<Invoice> Invoices { get; private set; } = [];
    public List<PaymentReconciliation> Payments { get; private set; } = [];

    /// <summary>The invoice sent to checkout and what was open on it then ("id|open"), kept for the return.</summary>
    [TempData] public string? Paying { get; set; }
    [BindProperty(Name = "payment", SupportsGet = true)] public string? Payment { get; set; }
    public string? Message { get; private set; }
    public string? Error { get; private set; }

    public async System.Threading.Tasks.Task OnGetAsync()
    {
        await LoadAsync();
        if (Payment == "return" && Paying?.Split('|') is [var invoice, var before])
            Message = OpenOn(invoice) < decimal.Parse(before, System.Globalization.CultureInfo.InvariantCulture)
                ? $"Thank you: your payment on statement {invoice} is recorded."
                : $"Statement {invoice} is not paid: the payment was cancelled or has not reached us yet.";
    }

    /// <summary>Starts paying what is open on an invoice: the server's $pay gives the provider's checkout page.</summary>
    public async Task<IActionResult> OnPostPayAsync(string invoice, string attempt)
    {
        try
        {
            await LoadAsync();
            var url = await billing.PayAsync(invoice, attempt);
            Paying = $"{invoice}|{OpenOn(invoice).ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            return Redirect(url.ToString());
        }
        catch (FhirOperationException e) when (e.Status != System.Net.HttpStatusCode.Unauthorized)
        {
            Error = Billing.Problem(e);
            return Page();
        }
    }

    /// <summary>Streams the server's <c>Invoice/{id}/$statement</c> (PDF or HTML) through as a download.</summary>
    public async Task<IActionResult> OnGetStatementAsync(string invoice, string format)
    {
        if (format is not ("pdf" or "html")) return BadRequest();
        var http = await record.AuthorizedHttpClientAsync();
        var url = $"{options.Value.FhirBaseUrl.TrimEnd('/')}/Invoice/{Uri.EscapeDataString(invoice)}/$statement?_format={format}";
        var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, HttpContext.RequestAborted);
        HttpContext.Response.RegisterForDispose(response);
        // A revoked grant: RevokedAccessFilter ends the session and signs in again, as on the other pages.
        if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            throw new FhirOperationException("The FHIR server refused the session's token.", response.StatusCode);
        if (!response.IsSuccessStatusCode)
            return StatusCode(StatusCodes.Status502BadGateway, $"The FHIR server answered {(int)response.StatusCode} to the statement.");
        var stream = await response.Content.ReadAsStreamAsync(HttpContext.RequestAborted);
        return File(stream, format == "pdf" ? "application/pdf" : "text/html", $"statement-{invoice}.{format}");
    }

    /// <summary>What the server says is open on an invoice now (0 when it is no longer open).</summary>
    public decimal OpenOn(string invoice) => Open(invoice)?.Open?.Value ?? 0;

    /// <summary>The invoice among the open ones of the $balance answers, or null when nothing is open on it.</summary>
    public OpenInvoice? Open(string invoice) => Accounts.SelectMany(a => a.Balance.OpenInvoices).FirstOrDefault(o => o.Id == invoice);

    private async System.Threading.Tasks.Task LoadAsync()
    {
        Accounts = await billing.AccountsAsync();
        Invoices = await billing.InvoicesAsync(Accounts);
        Payments = await billing.PaymentsAsync(Invoices);
    }
}
