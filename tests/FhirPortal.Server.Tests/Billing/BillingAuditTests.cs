using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Access;
using FhirPortal.Server.Tests.Audit;

namespace FhirPortal.Server.Tests.Billing;

/// <summary>Every recorded payment (webhook) and every statement view is an AuditEvent of the Invoice's patient.</summary>
public sealed class BillingAuditTests : IDisposable
{
    private readonly BillingData _data = new(new Dictionary<string, string?>
    {
        ["FhirPortal:Audit:Reads"] = "true",
        ["FhirPortal:Audit:FlushInterval"] = "00:00:00.050",
        ["FhirPortal:Billing:Stripe:WebhookSecret"] = FakeStripe.WebhookSecret,
        // Set so $pay gets past "not set up"; the refusals below come before any call to this address.
        ["FhirPortal:Billing:Stripe:SecretKey"] = FakeStripe.SecretKey,
        ["FhirPortal:Billing:Stripe:ApiBase"] = "http://127.0.0.1:9",
    });

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task A_statement_view_and_a_recorded_payment_are_audited_for_the_invoices_patient()
    {
        await _data.PutAsync(BillingData.Account("acct", "p1", "p1", "G-1"), BillingData.Invoice("inv", "acct", "p1", "issued", 50));
        var app = _data.Host.CreateFhirClient();
        app.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            TestTokenHandler.Token("patient/Account.rs patient/Invoice.rs", "p1", clientId: "billing-app"));
        var payload = FakeStripe.SessionCompleted("inv", "pi_audit", 5000);

        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("Invoice/inv/$statement?_format=html")).StatusCode);
        using var delivery = new HttpRequestMessage(HttpMethod.Post, "/billing/stripe/webhook") { Content = new StringContent(payload) };
        delivery.Headers.Add("Stripe-Signature", FakeStripe.Sign(payload));
        Assert.Equal(HttpStatusCode.OK, (await _data.Host.CreateClient().SendAsync(delivery)).StatusCode);

        var views = await AuditHost.WaitForAsync(_data.Host, "billing-app");
        var recorded = Assert.Single(await AuditHost.WaitForAsync(_data.Host, "stripe-webhook"));
        Assert.Equal(["Invoice/inv/$statement"], views.Select(e => AuditHost.Query(e) ?? "").ToArray());
        Assert.All(views.Append(recorded), e => Assert.Equal(["Patient/p1"], AuditHost.Patients(e)));
        Assert.Equal("Invoice/inv/$pay?payment=pi_audit", AuditHost.Query(recorded));
    }

    [Theory]
    [InlineData("p1", "50.01", HttpStatusCode.UnprocessableEntity)] // more than is open
    [InlineData("p2", "10", HttpStatusCode.Forbidden)] // another patient's invoice
    public async Task A_refused_payment_is_audited_for_the_patient_whose_invoice_it_was(string caller, string amount, HttpStatusCode expected)
    {
        await _data.PutAsync(BillingData.Account("acct", "p1", "p1", "G-1"), BillingData.Invoice("inv", "acct", "p1", "issued", 50));
        var app = _data.Host.CreateFhirClient();
        app.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            TestTokenHandler.Token("patient/Account.rs patient/Invoice.rs", caller, clientId: "paying-app"));
        var parameters = new JsonObject
        {
            ["resourceType"] = "Parameters",
            ["parameter"] = new JsonArray(new JsonObject { ["name"] = "amount", ["valueDecimal"] = decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture) }),
        };

        Assert.Equal(expected, (await app.PostAsync("Invoice/inv/$pay", Fhir.Body(parameters))).StatusCode);

        var refused = Assert.Single(await AuditHost.WaitForAsync(_data.Host, "paying-app"));
        Assert.Equal(["Patient/p1"], AuditHost.Patients(refused));
        Assert.Equal("Invoice/inv/$pay", AuditHost.Query(refused));
        Assert.NotEqual(Hl7.Fhir.Model.AuditEvent.AuditEventOutcome.N0, refused.Outcome);
    }
}
