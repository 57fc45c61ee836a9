using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Billing;

/// <summary>
/// A PaymentReconciliation settles one patient's Invoices only (so a patient reading their payment sees no one
/// else's bills), in REST writes and transactions alike; an Invoice keeps its subject.
/// </summary>
public sealed class PaymentRuleTests : IDisposable
{
    private readonly BillingData _data = new();

    public void Dispose() => _data.Dispose();

    private Task SeedAsync() => _data.PutAsync(
        BillingData.Account("a1", "p1", "p1", "G-1"), BillingData.Account("a2", "p2", "p2", "G-2"),
        BillingData.Invoice("i1", "a1", "p1", "issued", 10), BillingData.Invoice("i1b", "a1", "p1", "issued", 20),
        BillingData.Invoice("i2", "a2", "p2", "issued", 30));

    [Theory]
    [InlineData("i1,i1b", null, HttpStatusCode.Created)]
    [InlineData("i1,unknown", null, HttpStatusCode.Created)]
    [InlineData("i1,i2", null, HttpStatusCode.UnprocessableEntity)]
    [InlineData("i1,i2", "Organization/clinic", HttpStatusCode.UnprocessableEntity)]
    public async Task A_payment_may_settle_several_invoices_of_one_patient_but_not_of_two(string invoices, string? payee, HttpStatusCode expected)
    {
        await SeedAsync();
        var payment = Remittance(invoices.Split(','), payee);

        var put = await _data.Staff.PutAsync("PaymentReconciliation/remit", Fhir.Body(payment));

        Assert.Equal(expected, put.StatusCode);
        if (expected != HttpStatusCode.Created)
        {
            Assert.Contains("record one PaymentReconciliation per patient", await put.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.NotFound, (await _data.Staff.GetAsync("PaymentReconciliation/remit")).StatusCode);
        }
    }

    [Fact]
    public async Task A_transaction_with_a_two_patient_payment_is_refused_whole()
    {
        await SeedAsync();
        var bundle = new JsonObject
        {
            ["resourceType"] = "Bundle", ["type"] = "transaction",
            ["entry"] = new JsonArray(
                Entry(BillingData.Invoice("i3", "a2", "p2", "issued", 5)),
                Entry(Remittance(["i1", "i3"], null))),
        };

        var response = await _data.Staff.PostAsync("", Fhir.Body(bundle));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _data.Staff.GetAsync("Invoice/i3")).StatusCode);
    }

    [Fact]
    public async Task An_invoice_keeps_its_subject()
    {
        await SeedAsync();

        var moved = await _data.Staff.PutAsync("Invoice/i1", Fhir.Body(BillingData.Invoice("i1", "a1", "p2", "issued", 10)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, moved.StatusCode);
        Assert.Equal("Patient/p1", (string?)(await (await _data.Staff.GetAsync("Invoice/i1")).ReadJsonAsync())["subject"]!["reference"]);
    }

    [Theory]
    [InlineData("Invoice/i2/_history/1")]
    [InlineData("https://elsewhere.example/fhir/Invoice/i2")]
    public async Task A_versioned_or_absolute_invoice_reference_in_a_payment_is_refused(string reference)
    {
        await SeedAsync();
        var payment = Remittance(["i1", "i1b"], null);
        payment["detail"]![1]!["request"] = new JsonObject { ["reference"] = reference };

        var put = await _data.Staff.PutAsync("PaymentReconciliation/remit", Fhir.Body(payment));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, put.StatusCode);
        Assert.Contains("refer to an Invoice of this server as Invoice/{id}", await put.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await _data.Staff.GetAsync("PaymentReconciliation/remit")).StatusCode);
    }

    [Fact]
    public async Task A_deleted_invoice_recreated_under_its_id_keeps_its_subject()
    {
        await SeedAsync();
        await _data.PutAsync(BillingData.Invoice("d1", "a1", "p1", "draft", 10));
        Assert.Equal(HttpStatusCode.NoContent, (await _data.Staff.DeleteAsync("Invoice/d1")).StatusCode);

        var recreated = await _data.Staff.PutAsync("Invoice/d1", Fhir.Body(BillingData.Invoice("d1", "a2", "p2", "draft", 10)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, recreated.StatusCode);
        Assert.Contains("its subject cannot change", await recreated.Content.ReadAsStringAsync());
    }

    private static JsonObject Remittance(string[] invoices, string? payee)
    {
        var payment = BillingData.Payment("remit", invoices[0], 1);
        var details = new JsonArray();
        foreach (var invoice in invoices)
        {
            var detail = BillingData.Payment("remit", invoice, 1)["detail"]![0]!.DeepClone().AsObject();
            if (payee is not null) detail["payee"] = new JsonObject { ["reference"] = payee };
            details.Add(detail);
        }
        payment["detail"] = details;
        payment["paymentAmount"] = new JsonObject { ["value"] = invoices.Length, ["currency"] = "USD" };
        return payment;
    }

    private static JsonObject Entry(JsonObject resource) => new()
    {
        ["resource"] = resource,
        ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"{resource["resourceType"]}/{resource["id"]}" },
    };
}
