using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Access;

namespace FhirPortal.Server.Tests.Billing;

/// <summary><c>Account/{id}/$balance</c> over HTTP: computed from the stored Invoices, EOBs and payments, declared, and confined like a read of the Account.</summary>
public sealed class BalanceOperationTests : IDisposable
{
    private readonly BillingData _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Balance_adds_open_invoices_and_eob_patient_responsibility_and_subtracts_active_payments()
    {
        await _data.PutAsync(
            BillingData.Account("acct", "p1", "p1", "G-1"),
            BillingData.Eob("eob1", "p1", submitted: 200, benefit: 160),
            BillingData.Invoice("inv-net", "acct", "p1", "issued", 100, due: "2030-04-10"),
            BillingData.Invoice("inv-eob", "acct", "p1", "issued", null, "2030-03-01", null, "eob1"),
            BillingData.Invoice("inv-paid", "acct", "p1", "balanced", 70),
            BillingData.Invoice("inv-void", "acct", "p1", "cancelled", 500),
            BillingData.Payment("pay1", "inv-paid", 70),
            BillingData.Payment("pay2", "inv-net", 25),
            BillingData.Payment("pay-refunded", "inv-net", 75, status: "cancelled"));

        var response = await _data.Staff.GetAsync("Account/acct/$balance");
        var body = await response.ReadJsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Parameters", (string?)body["resourceType"]);
        // 100 + (200 − 160) + 70 − 70 − 25 = 115; the earliest due: inv-eob (2030-03-01 + 30 days).
        Assert.Equal(115m, (decimal)BillingData.Out(body, "balance")!);
        Assert.Equal(115m, (decimal)BillingData.Out(body, "amountDue")!);
        Assert.Null(BillingData.Out(body, "credit"));
        Assert.Equal("2030-03-31", (string?)BillingData.Out(body, "dueDate"));
        Assert.Equal(["Invoice/inv-eob=40", "Invoice/inv-net=75"], BillingData.OpenInvoices(body));
    }

    [Fact]
    public async Task An_overpayment_is_credit_and_the_balance_stays_zero()
    {
        await _data.PutAsync(
            BillingData.Account("acct", "p1", "p1", "G-1"),
            BillingData.Invoice("inv", "acct", "p1", "issued", 50),
            BillingData.Payment("pay1", "inv", 50),
            BillingData.Payment("pay2", "inv", 30));

        var body = await (await _data.Staff.GetAsync("Account/acct/$balance")).ReadJsonAsync();

        Assert.Equal(0m, (decimal)BillingData.Out(body, "balance")!);
        Assert.Equal(30m, (decimal)BillingData.Out(body, "credit")!);
        Assert.Null(BillingData.Out(body, "dueDate"));
        Assert.Empty(BillingData.OpenInvoices(body));
    }

    [Theory]
    [InlineData("Account/none/$balance", HttpStatusCode.NotFound)]
    [InlineData("Account/gone/$balance", HttpStatusCode.Gone)]
    public async Task Balance_of_an_unknown_or_deleted_account_is_an_OperationOutcome(string url, HttpStatusCode status)
    {
        await _data.PutAsync(BillingData.Account("gone", "p1", "p1", "G-9"));
        Assert.Equal(HttpStatusCode.NoContent, (await _data.Staff.DeleteAsync("Account/gone")).StatusCode);

        var response = await _data.Staff.GetAsync(url);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await response.ReadJsonAsync())["resourceType"]);
    }

    [Fact]
    public async Task A_patient_gets_the_balance_of_accounts_they_are_guarantor_of_and_another_patient_gets_403()
    {
        await _data.PutAsync(
            BillingData.Account("child", "kid", "parent", "G-2"),
            BillingData.Invoice("inv", "child", "kid", "issued", 80));

        var parent = await _data.PatientApp("parent").GetAsync("Account/child/$balance");
        var stranger = await _data.PatientApp("stranger").GetAsync("Account/child/$balance");

        Assert.Equal(HttpStatusCode.OK, parent.StatusCode);
        Assert.Equal(80m, (decimal)BillingData.Out(await parent.ReadJsonAsync(), "balance")!);
        Assert.Equal(HttpStatusCode.Forbidden, stranger.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await stranger.ReadJsonAsync())["resourceType"]);
    }

    [Fact]
    public async Task A_patient_on_a_shared_account_gets_a_balance_of_only_the_invoices_they_may_read()
    {
        var shared = BillingData.Account("shared", "pa", "guardian", "G-9");
        shared["subject"]!.AsArray().Add(new JsonObject { ["reference"] = "Patient/pb" });
        await _data.PutAsync(shared,
            BillingData.Invoice("a1", "shared", "pa", "issued", 40),
            BillingData.Invoice("b1", "shared", "pb", "issued", 65),
            BillingData.Payment("pay-b1", "b1", 5));

        var patientA = await (await _data.PatientApp("pa").GetAsync("Account/shared/$balance")).ReadJsonAsync();
        var staff = await (await _data.Staff.GetAsync("Account/shared/$balance")).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.Forbidden, (await _data.PatientApp("pa").GetAsync("Invoice/b1")).StatusCode);
        Assert.Equal(["Invoice/a1=40"], BillingData.OpenInvoices(patientA));
        Assert.Equal(40m, (decimal)BillingData.Out(patientA, "balance")!);
        Assert.Equal(["Invoice/a1=40", "Invoice/b1=60"], BillingData.OpenInvoices(staff).Order());
        Assert.Equal(100m, (decimal)BillingData.Out(staff, "balance")!);
    }

    [Fact]
    public async Task The_capability_statement_declares_balance_on_Account_and_its_definition_resolves()
    {
        var metadata = await (await _data.Staff.GetAsync("metadata")).ReadJsonAsync();
        var account = metadata["rest"]![0]!["resource"]!.AsArray().First(r => (string?)r!["type"] == "Account")!;
        var operation = account["operation"]!.AsArray().FirstOrDefault(o => (string?)o!["name"] == "balance");

        Assert.NotNull(operation);
        Assert.Equal("http://fhirportal.org/fhir/OperationDefinition/Account-balance", (string?)operation!["definition"]);
        Assert.Equal(HttpStatusCode.OK, (await _data.Staff.GetAsync("OperationDefinition/Account-balance")).StatusCode);
    }

    [Fact]
    public async Task Pay_without_a_configured_payment_provider_is_501_and_the_capability_statement_still_declares_it()
    {
        await _data.PutAsync(BillingData.Account("acct", "p1", "p1", "G-1"), BillingData.Invoice("inv", "acct", "p1", "issued", 10));

        var response = await _data.PatientApp("p1").PostAsync("Invoice/inv/$pay", Fhir.Body(new JsonObject { ["resourceType"] = "Parameters" }));
        var metadata = await (await _data.Staff.GetAsync("metadata")).ReadJsonAsync();
        var invoice = metadata["rest"]![0]!["resource"]!.AsArray().First(r => (string?)r!["type"] == "Invoice")!;

        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.Contains("not set up", (string?)(await response.ReadJsonAsync())["issue"]![0]!["diagnostics"]);
        Assert.Contains(invoice["operation"]!.AsArray(), o => (string?)o!["definition"] == "http://fhirportal.org/fhir/OperationDefinition/Invoice-pay");
    }
}
