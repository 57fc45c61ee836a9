using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Billing;

/// <summary>
/// <c>Invoice/$pay</c> through Stripe.net against a local fake Stripe, and the signed webhook that records each
/// payment exactly once (duplicates, out-of-order events, concurrent deliveries).
/// </summary>
public sealed class PaymentTests : IAsyncLifetime
{
    private FakeStripe _stripe = null!;
    private BillingData _data = null!;

    public async Task InitializeAsync()
    {
        _stripe = await FakeStripe.StartAsync();
        _data = new BillingData(new Dictionary<string, string?>
        {
            ["FhirPortal:Billing:Stripe:SecretKey"] = FakeStripe.SecretKey,
            ["FhirPortal:Billing:Stripe:WebhookSecret"] = FakeStripe.WebhookSecret,
            ["FhirPortal:Billing:Stripe:ApiBase"] = _stripe.BaseUrl,
            ["FhirPortal:Billing:Stripe:ReturnUrl"] = "https://portal.example.org/billing",
        });
        await _data.PutAsync(
            BillingData.Account("acct", "p1", "p1", "G-1"),
            BillingData.Invoice("inv", "acct", "p1", "issued", 100),
            BillingData.Payment("earlier", "inv", 25));
    }

    public async Task DisposeAsync()
    {
        _data.Dispose();
        await _stripe.DisposeAsync();
    }

    [Fact]
    public async Task Pay_creates_a_checkout_session_for_the_open_amount_with_invoice_metadata_and_one_idempotency_key_per_attempt()
    {
        var app = _data.PatientApp("p1");

        var first = await PayAsync(app, "inv", attempt: "attempt-1");
        var again = await PayAsync(app, "inv", attempt: "attempt-1");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var body = await first.ReadJsonAsync();
        var url = (string?)Value(body, "url");
        Assert.StartsWith("https://checkout.stripe.test/c/pay/cs_test_", url);
        Assert.Equal(url, (string?)Value(await again.ReadJsonAsync(), "url"));
        Assert.Equal(75m, (decimal)Value(body, "amount")!["value"]!);
        Assert.Equal(2, _stripe.Requests.Count);
        var (form, key, authorization) = _stripe.Requests.First();
        Assert.Equal("Bearer " + FakeStripe.SecretKey, authorization);
        Assert.Equal("invoice-inv-attempt-attempt-1", key);
        Assert.Equal("payment", form["mode"]);
        Assert.Equal("7500", form["line_items[0][price_data][unit_amount]"]);
        Assert.Equal("usd", form["line_items[0][price_data][currency]"]);
        Assert.Equal("inv", form["metadata[invoice]"]);
        Assert.Equal("attempt-1", form["metadata[attempt]"]);
        Assert.Equal("inv", form["payment_intent_data[metadata][invoice]"]);
        Assert.Equal("https://portal.example.org/billing", form["success_url"]);
    }

    [Theory]
    [InlineData("p1", "75.01", HttpStatusCode.UnprocessableEntity)]
    [InlineData("p1", "0", HttpStatusCode.UnprocessableEntity)]
    [InlineData("p1", "ten", HttpStatusCode.BadRequest)]
    [InlineData("p2", "10", HttpStatusCode.Forbidden)]
    public async Task Pay_refuses_more_than_is_open_and_other_patients_without_calling_Stripe(string patient, string amount, HttpStatusCode expected)
    {
        var response = await PayAsync(_data.PatientApp(patient), "inv", amount);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await response.ReadJsonAsync())["resourceType"]);
        Assert.Empty(_stripe.Requests);
    }

    [Theory]
    [InlineData("0.004")]
    [InlineData("10.005")]
    public async Task Pay_refuses_an_amount_finer_than_the_currency_with_422_and_a_message_without_calling_Stripe(string amount)
    {
        var response = await PayAsync(_data.PatientApp("p1"), "inv", amount);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("more decimal places than USD allows (2)", (await response.Content.ReadAsStringAsync()));
        Assert.Empty(_stripe.Requests);
    }

    [Fact]
    public async Task A_webhook_with_a_wrong_or_missing_signature_is_400_and_records_nothing()
    {
        var payload = FakeStripe.SessionCompleted("inv", "pi_1", 7500);

        var wrong = await DeliverAsync(payload, FakeStripe.Sign(payload, "whsec_another"));
        var stale = await DeliverAsync(payload, FakeStripe.Sign(payload, at: DateTimeOffset.UtcNow.AddHours(-1)));
        var missing = await DeliverAsync(payload, null);

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest], [wrong.StatusCode, stale.StatusCode, missing.StatusCode]);
        Assert.Equal(["earlier"], await PaymentIdsAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_webhook_body_over_512_KB_is_413_whether_it_declares_its_length_or_comes_chunked(bool chunked)
    {
        var payload = FakeStripe.SessionCompleted("inv", "pi_big", 7500);
        var padded = payload.TrimEnd().TrimEnd('}') + ", \"padding\": \"" + new string('x', 600 * 1024) + "\"}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/billing/stripe/webhook")
        {
            Content = chunked ? new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(padded))) : new StringContent(padded),
        };
        request.Headers.TransferEncodingChunked = chunked;
        request.Headers.Add("Stripe-Signature", FakeStripe.Sign(padded));

        var response = await _data.Host.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await response.ReadJsonAsync())["resourceType"]);
        Assert.Equal(["earlier"], await PaymentIdsAsync());
    }

    [Fact]
    public async Task A_paid_session_records_one_payment_and_balances_the_invoice_however_often_and_in_whatever_order_it_is_reported()
    {
        var intent = FakeStripe.IntentSucceeded("inv", "pi_3Abc", 7500);
        var completed = FakeStripe.SessionCompleted("inv", "pi_3Abc", 7500);

        foreach (var payload in new[] { intent, completed, completed, intent })
            Assert.Equal(HttpStatusCode.OK, (await DeliverAsync(payload, FakeStripe.Sign(payload))).StatusCode);

        Assert.Equal(["earlier", "stripe-pi-3Abc"], await PaymentIdsAsync());
        var payment = await (await _data.Staff.GetAsync("PaymentReconciliation/stripe-pi-3Abc")).ReadJsonAsync();
        Assert.Equal(75m, (decimal)payment["paymentAmount"]!["value"]!);
        Assert.Equal("Invoice/inv", (string?)payment["detail"]![0]!["request"]!["reference"]);
        Assert.Equal("balanced", (string?)(await (await _data.Staff.GetAsync("Invoice/inv")).ReadJsonAsync())["status"]);
        var balance = await (await _data.Staff.GetAsync("Account/acct/$balance")).ReadJsonAsync();
        Assert.Equal(0m, (decimal)BillingData.Out(balance, "balance")!);
        Assert.Null(BillingData.Out(balance, "credit"));
    }

    [Fact]
    public async Task Twenty_concurrent_deliveries_of_one_payment_record_it_once()
    {
        var payload = FakeStripe.SessionCompleted("inv", "pi_same", 5000);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => DeliverAsync(payload, FakeStripe.Sign(payload))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(["earlier", "stripe-pi-same"], await PaymentIdsAsync());
        Assert.Equal(25m, (decimal)BillingData.Out(await (await _data.Staff.GetAsync("Account/acct/$balance")).ReadJsonAsync(), "balance")!);
    }

    [Fact]
    public async Task Twenty_concurrent_payments_of_one_invoice_are_each_recorded_once_and_the_overpayment_is_credit()
    {
        var payloads = Enumerable.Range(0, 20).Select(i => FakeStripe.SessionCompleted("inv", $"pi_{i}", 1000)).ToList();

        var responses = await Task.WhenAll(payloads.Concat(payloads).Select(p => DeliverAsync(p, FakeStripe.Sign(p))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(21, (await PaymentIdsAsync()).Count);
        var balance = await (await _data.Staff.GetAsync("Account/acct/$balance")).ReadJsonAsync();
        Assert.Equal(0m, (decimal)BillingData.Out(balance, "balance")!);
        Assert.Equal(125m, (decimal)BillingData.Out(balance, "credit")!);
        Assert.Equal("balanced", (string?)(await (await _data.Staff.GetAsync("Invoice/inv")).ReadJsonAsync())["status"]);
    }

    private static Task<HttpResponseMessage> PayAsync(HttpClient client, string invoice, string? amount = null, string? attempt = null)
    {
        var parameters = new JsonArray();
        if (amount is not null)
            parameters.Add(decimal.TryParse(amount, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var value)
                ? new JsonObject { ["name"] = "amount", ["valueDecimal"] = value }
                : new JsonObject { ["name"] = "amount", ["valueString"] = amount });
        if (attempt is not null) parameters.Add(new JsonObject { ["name"] = "attempt", ["valueString"] = attempt });
        return client.PostAsync($"Invoice/{invoice}/$pay", Fhir.Body(new JsonObject { ["resourceType"] = "Parameters", ["parameter"] = parameters }));
    }

    private async Task<HttpResponseMessage> DeliverAsync(string payload, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/billing/stripe/webhook") { Content = new StringContent(payload, System.Text.Encoding.UTF8, "application/json") };
        if (signature is not null) request.Headers.Add("Stripe-Signature", signature);
        return await _data.Host.CreateClient().SendAsync(request);
    }

    private async Task<List<string>> PaymentIdsAsync()
    {
        var bundle = await (await _data.Staff.GetAsync("PaymentReconciliation?_count=100")).ReadJsonAsync();
        return [.. (bundle["entry"]?.AsArray() ?? []).Select(e => (string)e!["resource"]!["id"]!).Order(StringComparer.Ordinal)];
    }

    private static JsonNode? Value(JsonNode parameters, string name)
    {
        var parameter = parameters["parameter"]!.AsArray().First(p => (string?)p!["name"] == name)!;
        return parameter["valueUri"] ?? parameter["valueString"] ?? parameter["valueMoney"];
    }
}
