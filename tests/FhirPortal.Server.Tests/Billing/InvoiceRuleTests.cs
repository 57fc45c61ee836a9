using System.Net;

namespace FhirPortal.Server.Tests.Billing;

/// <summary>
/// An Invoice's status flows draft → issued → balanced/cancelled and never back; an issued Invoice is cancelled, not
/// deleted; the portal profiles refuse bills without their essentials.
/// </summary>
public sealed class InvoiceRuleTests : IDisposable
{
    private readonly BillingData _data = new();

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData("draft", "issued", HttpStatusCode.OK)]
    [InlineData("issued", "balanced", HttpStatusCode.OK)]
    [InlineData("issued", "cancelled", HttpStatusCode.OK)]
    [InlineData("balanced", "entered-in-error", HttpStatusCode.OK)]
    [InlineData("issued", "draft", HttpStatusCode.UnprocessableEntity)]
    [InlineData("balanced", "issued", HttpStatusCode.UnprocessableEntity)]
    [InlineData("balanced", "cancelled", HttpStatusCode.UnprocessableEntity)]
    [InlineData("cancelled", "issued", HttpStatusCode.UnprocessableEntity)]
    public async Task Invoice_status_changes_only_forward(string from, string to, HttpStatusCode expected)
    {
        await _data.PutAsync(BillingData.Account("acct", "p1", "p1", "G-1"), BillingData.Invoice("inv", "acct", "p1", from, 10));

        var response = await _data.Staff.PutAsync("Invoice/inv", Fhir.Body(BillingData.Invoice("inv", "acct", "p1", to, 10)));

        Assert.True(expected == response.StatusCode, await response.Content.ReadAsStringAsync());
        if (expected != HttpStatusCode.OK) Assert.Equal("OperationOutcome", (string?)(await response.ReadJsonAsync())["resourceType"]);
    }

    [Theory]
    [InlineData("draft", HttpStatusCode.NoContent)]
    [InlineData("issued", HttpStatusCode.MethodNotAllowed)]
    [InlineData("balanced", HttpStatusCode.MethodNotAllowed)]
    public async Task Only_a_draft_invoice_can_be_deleted(string status, HttpStatusCode expected)
    {
        await _data.PutAsync(BillingData.Account("acct", "p1", "p1", "G-1"), BillingData.Invoice("inv", "acct", "p1", status, 10));

        Assert.Equal(expected, (await _data.Staff.DeleteAsync("Invoice/inv")).StatusCode);
    }

    [Fact]
    public async Task Bills_missing_their_essentials_are_refused_by_the_portal_profiles()
    {
        var noGuarantorId = BillingData.Account("a1", "p1", "p1", "G-1");
        noGuarantorId["identifier"]![0]!["system"] = "http://example.org/other";
        var noAmount = BillingData.Invoice("i1", "acct", "p1", "issued", null);
        var noInvoice = BillingData.Payment("pay", "i1", 5);
        noInvoice["detail"]![0]!.AsObject().Remove("request");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await _data.Staff.PutAsync("Account/a1", Fhir.Body(noGuarantorId))).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await _data.Staff.PutAsync("Invoice/i1", Fhir.Body(noAmount))).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await _data.Staff.PutAsync("PaymentReconciliation/pay", Fhir.Body(noInvoice))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _data.Staff.PutAsync("Account/a2", Fhir.Body(BillingData.Account("a2", "p1", "p1", "G-2")))).StatusCode);
    }
}
