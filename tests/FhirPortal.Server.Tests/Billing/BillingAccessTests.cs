using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Access;

namespace FhirPortal.Server.Tests.Billing;

/// <summary>
/// Patient tokens see the Accounts they are subject or guarantor of, those Accounts' Invoices and the payments on
/// them, nothing of anyone else's, and never write bills, payments, claims, EOBs or dispenses (records others keep).
/// </summary>
public sealed class BillingAccessTests : IDisposable
{
    private readonly BillingData _data = new();

    public void Dispose() => _data.Dispose();

    private Task SeedAsync() => _data.PutAsync(
        BillingData.Account("own", "parent", "parent", "G-1"),
        BillingData.Account("kid", "child", "parent", "G-2"),
        BillingData.Account("other", "p2", "p2", "G-3"),
        BillingData.Invoice("inv-own", "own", "parent", "issued", 10),
        BillingData.Invoice("inv-kid", "kid", "child", "issued", 20),
        BillingData.Invoice("inv-other", "other", "p2", "issued", 30),
        BillingData.Payment("pay-kid", "inv-kid", 5),
        BillingData.Payment("pay-other", "inv-other", 5));

    [Theory]
    [InlineData("Account", "kid,own")]
    [InlineData("Invoice", "inv-kid,inv-own")]
    [InlineData("PaymentReconciliation", "pay-kid")]
    public async Task A_patient_searching_bills_finds_only_their_own_and_those_they_are_guarantor_of(string type, string expected)
    {
        await SeedAsync();

        var bundle = await (await _data.PatientApp("parent").GetAsync(type)).ReadJsonAsync();

        Assert.Equal(expected, string.Join(",", Ids(bundle).Order()));
    }

    [Theory]
    [InlineData("Account/own", HttpStatusCode.OK)]
    [InlineData("Account/kid", HttpStatusCode.OK)]
    [InlineData("Invoice/inv-kid", HttpStatusCode.OK)]
    [InlineData("PaymentReconciliation/pay-kid", HttpStatusCode.OK)]
    [InlineData("Account/other", HttpStatusCode.Forbidden)]
    [InlineData("Invoice/inv-other", HttpStatusCode.Forbidden)]
    [InlineData("PaymentReconciliation/pay-other", HttpStatusCode.Forbidden)]
    public async Task A_patient_reads_their_bills_and_gets_403_for_another_patients(string url, HttpStatusCode status)
    {
        await SeedAsync();

        Assert.Equal(status, (await _data.PatientApp("parent").GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task Another_patient_sees_none_of_the_bills()
    {
        await SeedAsync();
        var stranger = _data.PatientApp("stranger");

        foreach (var type in new[] { "Account", "Invoice", "PaymentReconciliation" })
            Assert.Empty(Ids(await (await stranger.GetAsync(type)).ReadJsonAsync()));
    }

    [Theory]
    [InlineData("PaymentReconciliation")]
    [InlineData("Invoice")]
    public async Task A_patient_token_never_records_a_payment_or_writes_an_invoice_even_on_their_own_account(string type)
    {
        await SeedAsync();
        var resource = type == "Invoice"
            ? BillingData.Invoice("mine", "own", "parent", "issued", 1)
            : BillingData.Payment("mine", "inv-own", 10);
        var app = _data.PatientApp("parent");

        var created = await app.PutAsync($"{type}/mine", Fhir.Body(resource));
        var changed = await app.PutAsync("Invoice/inv-own", Fhir.Body(BillingData.Invoice("inv-own", "own", "parent", "balanced", 10)));

        Assert.Equal(HttpStatusCode.Forbidden, created.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, changed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _data.Staff.GetAsync($"{type}/mine")).StatusCode);
    }

    [Fact]
    public async Task A_patient_token_cannot_rewrite_or_delete_the_EOB_their_invoice_bills_so_the_balance_stays()
    {
        await SeedAsync();
        await _data.PutAsync(BillingData.Eob("eob-own", "parent", submitted: 200, benefit: 150), BillingData.Invoice("inv-eob", "own", "parent", "issued", null, eobs: "eob-own"));
        var app = _data.Host.ClientWith("patient/ExplanationOfBenefit.cruds patient/Account.rs", patient: "parent");
        var before = (decimal)BillingData.Out(await (await app.GetAsync("Account/own/$balance")).ReadJsonAsync(), "balance")!;

        var rewritten = await app.PutAsync("ExplanationOfBenefit/eob-own", Fhir.Body(BillingData.Eob("eob-own", "parent", submitted: 200, benefit: 200)));
        var deleted = await app.DeleteAsync("ExplanationOfBenefit/eob-own");

        Assert.Equal(HttpStatusCode.Forbidden, rewritten.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("ExplanationOfBenefit/eob-own")).StatusCode);
        Assert.Equal(before, (decimal)BillingData.Out(await (await app.GetAsync("Account/own/$balance")).ReadJsonAsync(), "balance")!);
    }

    [Theory]
    [InlineData("Claim", "patient")]
    [InlineData("ClaimResponse", "patient")]
    [InlineData("ExplanationOfBenefit", "patient")]
    [InlineData("MedicationDispense", "subject")]
    public async Task A_patient_token_never_creates_claims_eobs_or_dispenses_even_their_own(string type, string patientElement)
    {
        var app = _data.Host.ClientWith($"patient/{type}.cruds", patient: "parent");
        var own = new JsonObject { ["resourceType"] = type, [patientElement] = new JsonObject { ["reference"] = "Patient/parent" } };

        var created = await app.PostAsync(type, Fhir.Body(own));

        Assert.Equal(HttpStatusCode.Forbidden, created.StatusCode);
        Assert.Empty(Ids(await (await _data.Staff.GetAsync(type)).ReadJsonAsync()));
    }

    private static IEnumerable<string> Ids(JsonNode bundle) =>
        (bundle["entry"]?.AsArray() ?? []).Select(e => (string)e!["resource"]!["id"]!);
}
