using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Billing;

/// <summary>
/// A stand-in for Stripe's API on loopback (Kestrel): records each <c>POST /v1/checkout/sessions</c> (form fields,
/// Idempotency-Key, Authorization) and answers with a Checkout Session, the same one for a repeated idempotency key as
/// Stripe does. Also signs webhook events as Stripe documents (HMAC-SHA256 of "{timestamp}.{payload}"), and serves a
/// stand-in for the hosted checkout page at <c>{CheckoutBase}/c/pay/{session}</c>: its "Pay" sends the signed
/// <c>checkout.session.completed</c> to <see cref="WebhookUrl"/> and returns the browser to the session's success URL.
/// </summary>
public sealed class FakeStripe : IAsyncDisposable
{
    public const string SecretKey = "sk_test_fake";
    public const string WebhookSecret = "whsec_test_secret";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _sessionByKey = new();
    private readonly ConcurrentDictionary<string, IFormCollection> _sessionForms = new();
    private static readonly HttpClient Http = new();

    private FakeStripe(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public ConcurrentQueue<(IFormCollection Form, string? IdempotencyKey, string? Authorization)> Requests { get; } = new();

    /// <summary>Where session URLs point; set it to <see cref="BaseUrl"/> to have a browser use this fake's checkout page.</summary>
    public string CheckoutBase { get; set; } = "https://checkout.stripe.test";

    /// <summary>The server's webhook endpoint the checkout page notifies when the patient pays.</summary>
    public Uri? WebhookUrl { get; set; }

    public static async Task<FakeStripe> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeStripe(app);
        app.MapPost("/v1/checkout/sessions", fake.CreateSessionAsync);
        app.MapGet("/c/pay/{session}", fake.CheckoutPage);
        app.MapPost("/c/pay/{session}", fake.CheckoutAsync);
        await app.StartAsync();
        fake.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return fake;
    }

    private async Task CreateSessionAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        var key = context.Request.Headers["Idempotency-Key"].ToString();
        Requests.Enqueue((form, key, context.Request.Headers.Authorization.ToString()));
        var id = _sessionByKey.GetOrAdd(key.Length > 0 ? key : Guid.NewGuid().ToString("N"), _ => "cs_test_" + Guid.NewGuid().ToString("N"));
        _sessionForms.TryAdd(id, form);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""
            {"id":"{{id}}","object":"checkout.session","mode":"payment","payment_status":"unpaid","url":"{{CheckoutBase}}/c/pay/{{id}}",
             "amount_total":{{form["line_items[0][price_data][unit_amount]"]}},"currency":"{{form["line_items[0][price_data][currency]"]}}"}
            """);
    }

    private IResult CheckoutPage(string session)
    {
        if (!_sessionForms.TryGetValue(session, out var form)) return Results.NotFound();
        var amount = $"{form["line_items[0][price_data][unit_amount]"]} {form["line_items[0][price_data][currency]"]} (minor units)";
        return Results.Content($"""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Fake checkout</title></head>
            <body><main><h1>Fake checkout</h1><p id="amount">{amount}</p>
            <form method="post"><button name="action" value="pay" id="pay">Pay</button> <button name="action" value="cancel" id="cancel">Cancel</button></form>
            </main></body></html>
            """, "text/html; charset=utf-8");
    }

    /// <summary>"Pay": the signed webhook Stripe would send, then back to the success URL; "Cancel": back to the cancel URL.</summary>
    private async Task<IResult> CheckoutAsync(string session, HttpContext context)
    {
        if (!_sessionForms.TryGetValue(session, out var form)) return Results.NotFound();
        var action = (await context.Request.ReadFormAsync())["action"].ToString();
        if (action != "pay") return Results.Redirect(form["cancel_url"].ToString());
        var payload = SessionCompleted(form["metadata[invoice]"].ToString(), "pi_" + session, long.Parse(form["line_items[0][price_data][unit_amount]"].ToString(),
            System.Globalization.CultureInfo.InvariantCulture), form["line_items[0][price_data][currency]"].ToString());
        using var request = new HttpRequestMessage(HttpMethod.Post, WebhookUrl ?? throw new InvalidOperationException("FakeStripe.WebhookUrl is not set."))
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Stripe-Signature", Sign(payload));
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return Results.Redirect(form["success_url"].ToString());
    }

    /// <summary>A <c>checkout.session.completed</c> event of a paid session for <paramref name="invoice"/>.</summary>
    public static string SessionCompleted(string invoice, string paymentIntent, long amountMinor, string currency = "usd") => Event("checkout.session.completed",
        $$$"""{"id":"cs_test_{{{paymentIntent}}}","object":"checkout.session","mode":"payment","payment_status":"paid","payment_intent":"{{{paymentIntent}}}","amount_total":{{{amountMinor}}},"currency":"{{{currency}}}","metadata":{"invoice":"{{{invoice}}}","attempt":"a1"}}""");

    /// <summary>A <c>payment_intent.succeeded</c> event for <paramref name="invoice"/>.</summary>
    public static string IntentSucceeded(string invoice, string paymentIntent, long amountMinor, string currency = "usd") => Event("payment_intent.succeeded",
        $$$"""{"id":"{{{paymentIntent}}}","object":"payment_intent","status":"succeeded","amount":{{{amountMinor}}},"amount_received":{{{amountMinor}}},"currency":"{{{currency}}}","metadata":{"invoice":"{{{invoice}}}","attempt":"a1"}}""");

    private static string Event(string type, string data) =>
        $$$"""{"id":"evt_{{{Guid.NewGuid():N}}}","object":"event","api_version":"2025-01-01","created":{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}},"livemode":false,"type":"{{{type}}}","data":{"object":{{{data}}}}}""";

    /// <summary>The <c>Stripe-Signature</c> header for <paramref name="payload"/>: <c>t={timestamp},v1={hex HMAC-SHA256}</c>.</summary>
    public static string Sign(string payload, string secret = WebhookSecret, DateTimeOffset? at = null)
    {
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{payload}"));
        return $"t={timestamp},v1={Convert.ToHexStringLower(mac)}";
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
