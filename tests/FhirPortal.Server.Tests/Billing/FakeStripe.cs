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
/// Stripe does. Also signs webhook events as Stripe documents (HMAC-SHA256 of "{timestamp}.{payload}").
/// </summary>
public sealed class FakeStripe : IAsyncDisposable
{
    public const string SecretKey = "sk_test_fake";
    public const string WebhookSecret = "whsec_test_secret";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _sessionByKey = new();

    private FakeStripe(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public ConcurrentQueue<(IFormCollection Form, string? IdempotencyKey, string? Authorization)> Requests { get; } = new();

    public static async Task<FakeStripe> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeStripe(app);
        app.MapPost("/v1/checkout/sessions", fake.CreateSessionAsync);
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
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""
            {"id":"{{id}}","object":"checkout.session","mode":"payment","payment_status":"unpaid","url":"https://checkout.stripe.test/c/pay/{{id}}",
             "amount_total":{{form["line_items[0][price_data][unit_amount]"]}},"currency":"{{form["line_items[0][price_data][currency]"]}}"}
            """);
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
