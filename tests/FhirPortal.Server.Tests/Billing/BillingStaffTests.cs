using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Access;

namespace FhirPortal.Server.Tests.Billing;

/// <summary>
/// Bills are written by billing staff: with user/ scopes only a user whose token carries the billing role claim
/// writes Accounts, Invoices, ChargeItems and PaymentReconciliations; other practitioners read them; system/ clients
/// go by their scopes.
/// </summary>
public sealed class BillingStaffTests : IDisposable
{
    private readonly BillingData _data = new();

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData("Account")]
    [InlineData("Invoice")]
    [InlineData("ChargeItem")]
    [InlineData("PaymentReconciliation")]
    public async Task A_practitioner_reads_bills_but_only_billing_staff_write_them(string type)
    {
        await _data.PutAsync(BillingData.Account("acct", "p1", "p1", "G-1"), BillingData.Invoice("inv", "acct", "p1", "issued", 50));
        var practitioner = User(billing: false);
        var billing = User(billing: true);

        var refused = await practitioner.PutAsync($"{type}/new", Fhir.Body(New(type)));
        var written = await billing.PutAsync($"{type}/new", Fhir.Body(New(type)));
        var deleteRefused = await practitioner.DeleteAsync($"{type}/new");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await refused.ReadJsonAsync())["resourceType"]);
        Assert.Equal(HttpStatusCode.Created, written.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, deleteRefused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await practitioner.GetAsync($"{type}/new")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await practitioner.GetAsync("Account/acct/$balance")).StatusCode);
    }

    [Fact]
    public async Task The_billing_gate_leaves_a_practitioners_other_writes_alone()
    {
        var encounter = new JsonObject
        {
            ["resourceType"] = "Encounter", ["status"] = "finished",
            ["class"] = new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/v3-ActCode", ["code"] = "AMB" },
            ["subject"] = new JsonObject { ["reference"] = "Patient/p1" },
        };

        Assert.Equal(HttpStatusCode.Created, (await User(billing: false).PostAsync("Encounter", Fhir.Body(encounter))).StatusCode);
    }

    [Theory]
    [InlineData("system/Invoice.rs", HttpStatusCode.Forbidden)]
    [InlineData("system/Invoice.cu", HttpStatusCode.Created)]
    public async Task A_system_client_writes_bills_by_its_scopes(string scopes, HttpStatusCode expected)
    {
        await _data.PutAsync(BillingData.Account("acct", "p1", "p1", "G-1"));

        var response = await _data.Host.ClientWith(scopes).PutAsync("Invoice/new", Fhir.Body(New("Invoice")));

        Assert.Equal(expected, response.StatusCode);
    }

    private HttpClient User(bool billing)
    {
        var client = _data.Host.CreateFhirClient();
        var token = TestTokenHandler.Token("user/*.cruds", fhirUser: "Practitioner/dr1", clientId: "back-office");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", billing ? token + "&fhirportal_billing=true" : token);
        return client;
    }

    private static JsonObject New(string type) => type switch
    {
        "Account" => BillingData.Account("new", "p1", "p1", "G-9"),
        "Invoice" => BillingData.Invoice("new", "acct", "p1", "draft", 20),
        "PaymentReconciliation" => BillingData.Payment("new", "inv", 5),
        _ => new JsonObject
        {
            ["resourceType"] = "ChargeItem", ["id"] = "new", ["status"] = "billable",
            ["code"] = new JsonObject { ["text"] = "Office visit" },
            ["subject"] = new JsonObject { ["reference"] = "Patient/p1" },
        },
    };
}
