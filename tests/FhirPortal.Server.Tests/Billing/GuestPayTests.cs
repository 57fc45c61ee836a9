using System.Net;
using System.Text.RegularExpressions;
using FhirPortal.Server.Tests.Audit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FhirPortal.Server.Tests.Billing;

/// <summary>
/// Guest bill pay (<c>/billing/pay</c>): a guarantor ID or statement number with a date of birth opens a short session
/// on one Account, which pays through the fake Stripe like <c>$pay</c>; every mismatch answers alike, repeated
/// failures lock the number, and the session opens nothing on the FHIR API.
/// </summary>
public sealed partial class GuestPayTests : IAsyncLifetime
{
    private const string Mismatch = "We could not find a bill with these details. Check the guarantor ID or statement number and the date of birth on your statement.";
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private FakeStripe _stripe = null!;
    private BillingData _data = null!;

    public Task InitializeAsync() => StartAsync([]);

    private async Task StartAsync(Dictionary<string, string?> extra)
    {
        if (_data is not null) await DisposeAsync();
        _stripe = await FakeStripe.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["FhirPortal:Billing:Stripe:SecretKey"] = FakeStripe.SecretKey,
            ["FhirPortal:Billing:Stripe:WebhookSecret"] = FakeStripe.WebhookSecret,
            ["FhirPortal:Billing:Stripe:ApiBase"] = _stripe.BaseUrl,
            ["FhirPortal:Audit:Reads"] = "true",
            ["FhirPortal:Audit:FlushInterval"] = "00:00:00.050",
        };
        foreach (var (key, value) in extra) settings[key] = value;
        _data = new BillingData(settings, s => s.AddSingleton<TimeProvider>(_clock));
        var second = BillingData.Invoice("inv1b", "acct1", "child", "issued", 20, date: "2030-04-01");
        second["identifier"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["system"] = "http://clinic.example.org/statement", ["value"] = "STMT-1001" });
        await _data.PutAsync(
            BillingData.Patient("parent", "1970-01-01"), BillingData.Patient("child", "2010-05-05"), BillingData.Patient("other", "1980-02-03"),
            BillingData.Account("acct1", "child", "parent", "G-1"),
            BillingData.Invoice("inv1", "acct1", "child", "issued", 100),
            second,
            BillingData.Payment("paid1", "inv1", 10),
            BillingData.Account("acct2", "other", "other", "G-2"),
            BillingData.Invoice("inv2", "acct2", "other", "issued", 40));
    }

    public async Task DisposeAsync()
    {
        _data.Dispose();
        await _stripe.DisposeAsync();
    }

    [Theory]
    [InlineData("G-1", "1970-01-01")] // guarantor ID, guarantor's birth date
    [InlineData(" G-1 ", "2010-05-05")] // guarantor ID, covered patient's birth date
    [InlineData("inv1", "1970-01-01")] // statement number as printed (the Invoice id)
    [InlineData("STMT-1001", "2010-05-05")] // an Invoice.identifier
    public async Task A_matching_number_and_birth_date_opens_a_session_that_shows_only_that_account(string number, string birthDate)
    {
        var browser = Browser();

        var lookup = await LookupAsync(browser, number, birthDate);
        var page = await (await browser.GetAsync("billing/pay")).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Redirect, lookup.StatusCode);
        var cookie = Assert.Single(lookup.Headers.GetValues("Set-Cookie"), c => c.StartsWith("FhirPortal.GuestPay=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/billing", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Statement inv1<", page);
        Assert.Contains("Statement inv1b<", page);
        Assert.Contains("110.00 USD", page); // balance: 100 + 20 − 10
        Assert.Contains("10.00 USD", page); // the payment
        Assert.DoesNotContain("inv2", page);
        Assert.DoesNotContain("G-2", page);
    }

    [Theory]
    [InlineData("G-1", "1999-09-09")] // wrong birth date
    [InlineData("G-9", "1970-01-01")] // unknown guarantor ID
    [InlineData("G-2", "1970-01-01")] // another account's ID with this account's birth date
    [InlineData("inv2", "2010-05-05")] // another account's statement
    [InlineData("paid1", "1970-01-01")] // not a statement
    [InlineData("G-1", "1970-01")] // partial date
    public async Task Every_mismatch_gets_the_same_answer_and_no_session(string number, string birthDate)
    {
        var browser = Browser();

        var lookup = await LookupAsync(browser, number, birthDate);
        var body = await lookup.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, lookup.StatusCode);
        Assert.Equal(Mismatch, ErrorText(body));
        Assert.False(lookup.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("FhirPortal.GuestPay=", StringComparison.Ordinal)));
        Assert.Contains("name=\"Number\"", await (await browser.GetAsync("billing/pay")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Five_failures_lock_the_number_even_for_the_right_birth_date_and_every_lookup_is_audited()
    {
        var browser = Browser();
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.BadRequest, (await LookupAsync(browser, "G-1", $"1999-01-0{i + 1}")).StatusCode);

        var locked = await LookupAsync(browser, "G-1", "1970-01-01");
        var other = await LookupAsync(browser, "G-2", "1980-02-03");
        _clock.Advance(TimeSpan.FromMinutes(31));
        var later = await LookupAsync(Browser(), "G-1", "1970-01-01");

        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.Contains("paused after too many attempts", await locked.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, other.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, later.StatusCode);
        var events = await AuditHost.WaitForAsync(_data.Host, "guest-bill-pay", 8, "&subtype=guest-bill-pay-lookup");
        Assert.Equal(6, events.Count(e => e.Outcome == Hl7.Fhir.Model.AuditEvent.AuditEventOutcome.N4));
        Assert.Equal(["Account/acct1", "Account/acct2"], events.Where(e => e.Outcome == Hl7.Fhir.Model.AuditEvent.AuditEventOutcome.N0)
            .Select(e => e.Entity[0].What?.Reference ?? "").Order().ToArray());
    }

    [Fact]
    public async Task Parallel_guesses_are_judged_at_most_five_times_and_never_fail()
    {
        await StartAsync(new() { ["FhirPortal:Billing:GuestPay:RequestsPerMinute"] = "1000" });
        var pages = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            var browser = Browser();
            return (browser, page: await (await browser.GetAsync("billing/pay")).Content.ReadAsStringAsync());
        }));

        var answers = await Task.WhenAll(pages.Select((p, i) =>
            PostAsync(p.browser, "billing/pay", new() { ["Number"] = "G-1", ["BirthDate"] = $"1999-01-{i + 1:00}" }, p.page)));

        Assert.Equal(5, answers.Count(a => a.StatusCode == HttpStatusCode.BadRequest));
        Assert.Equal(15, answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LookupAsync(Browser(), "G-1", "1970-01-01")).StatusCode);
    }

    [Theory]
    [InlineData(65)]
    [InlineData(100_000)]
    public async Task An_overlong_number_is_a_mismatch(int length)
    {
        var lookup = await LookupAsync(Browser(), new string('7', length), "1970-01-01");

        Assert.Equal(HttpStatusCode.BadRequest, lookup.StatusCode);
        Assert.Equal(Mismatch, ErrorText(await lookup.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task The_session_ends_after_15_minutes()
    {
        var browser = Browser();
        Assert.Equal(HttpStatusCode.Redirect, (await LookupAsync(browser, "G-1", "1970-01-01")).StatusCode);
        var open = await (await browser.GetAsync("billing/pay")).Content.ReadAsStringAsync();

        _clock.Advance(TimeSpan.FromMinutes(15));
        var page = await browser.GetAsync("billing/pay");
        var pay = await PostAsync(browser, "billing/pay?handler=Pay", new() { ["InvoiceId"] = "inv1", ["Amount"] = "5" }, await page.Content.ReadAsStringAsync());

        Assert.Contains("Statement inv1<", open);
        Assert.Contains("name=\"Number\"", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, pay.StatusCode);
        Assert.Empty(_stripe.Requests);
    }

    [Fact]
    public async Task The_session_reads_nothing_on_the_FHIR_API()
    {
        var browser = Browser();
        Assert.Equal(HttpStatusCode.Redirect, (await LookupAsync(browser, "G-1", "1970-01-01")).StatusCode);

        foreach (var path in new[] { "fhir/Account/acct1", "fhir/Invoice/inv1", "fhir/Account/acct1/$balance", "fhir/Patient/child", "fhir/Invoice?account=Account/acct1" })
            Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task A_guest_payment_goes_through_Stripe_and_the_webhook_records_it_and_both_are_audited()
    {
        var browser = Browser();
        Assert.Equal(HttpStatusCode.Redirect, (await LookupAsync(browser, "G-1", "1970-01-01")).StatusCode);
        var page = await (await browser.GetAsync("billing/pay")).Content.ReadAsStringAsync();

        var started = await PostAsync(browser, "billing/pay?handler=Pay", new() { ["InvoiceId"] = "inv1", ["Amount"] = "30.00" }, page);
        var (form, _, _) = Assert.Single(_stripe.Requests);
        var payload = FakeStripe.SessionCompleted("inv1", "pi_guest", 3000);
        using var delivery = new HttpRequestMessage(HttpMethod.Post, "/billing/stripe/webhook") { Content = new StringContent(payload) };
        delivery.Headers.Add("Stripe-Signature", FakeStripe.Sign(payload));
        Assert.Equal(HttpStatusCode.OK, (await _data.Host.CreateClient().SendAsync(delivery)).StatusCode);
        var after = await (await browser.GetAsync("billing/pay")).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
        Assert.StartsWith("https://checkout.stripe.test/c/pay/cs_test_", started.Headers.Location!.ToString());
        Assert.Equal("inv1", form["metadata[invoice]"]);
        Assert.Equal("3000", form["line_items[0][price_data][unit_amount]"]);
        Assert.Equal(HttpStatusCode.OK, (await _data.Staff.GetAsync("PaymentReconciliation/stripe-pi-guest")).StatusCode);
        Assert.Contains("80.00 USD", after); // 110 − 30
        var audited = Assert.Single(await AuditHost.WaitForAsync(_data.Host, "guest-bill-pay", 2), e => AuditHost.Query(e) is not null);
        Assert.Equal("Invoice/inv1/$pay", AuditHost.Query(audited));
        Assert.Equal(["Patient/child"], AuditHost.Patients(audited));
    }

    [Theory]
    [InlineData("inv2", "5", HttpStatusCode.NotFound)] // another account's invoice
    [InlineData("nope", "5", HttpStatusCode.NotFound)]
    [InlineData("inv1", "90.01", HttpStatusCode.UnprocessableEntity)] // more than is open (90)
    [InlineData("inv1", "five", HttpStatusCode.BadRequest)]
    public async Task A_guest_payment_outside_the_account_or_over_what_is_open_is_refused_without_calling_Stripe(string invoice, string amount, HttpStatusCode expected)
    {
        var browser = Browser();
        Assert.Equal(HttpStatusCode.Redirect, (await LookupAsync(browser, "G-1", "1970-01-01")).StatusCode);
        var page = await (await browser.GetAsync("billing/pay")).Content.ReadAsStringAsync();

        var response = await PostAsync(browser, "billing/pay?handler=Pay", new() { ["InvoiceId"] = invoice, ["Amount"] = amount }, page);

        Assert.Equal(expected, response.StatusCode);
        Assert.Empty(_stripe.Requests);
    }

    [Fact]
    public async Task A_session_whose_account_was_deleted_ends_and_shows_the_lookup_form()
    {
        var (viewing, paying) = (Browser(), Browser());
        Assert.Equal(HttpStatusCode.Redirect, (await LookupAsync(viewing, "G-1", "1970-01-01")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await LookupAsync(paying, "G-1", "1970-01-01")).StatusCode);
        var payPage = await (await paying.GetAsync("billing/pay")).Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await _data.Staff.DeleteAsync("Account/acct1")).StatusCode);

        var page = await viewing.GetAsync("billing/pay");
        var html = await page.Content.ReadAsStringAsync();
        var again = await (await viewing.GetAsync("billing/pay")).Content.ReadAsStringAsync();
        var pay = await PostAsync(paying, "billing/pay?handler=Pay", new() { ["InvoiceId"] = "inv1", ["Amount"] = "5" }, payPage);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal("This bill is no longer available; look it up again.", ErrorText(html));
        Assert.Contains("name=\"Number\"", html);
        Assert.DoesNotContain("Statement inv1<", html);
        Assert.DoesNotContain("pay-error", again); // the session ended with the first view
        Assert.Equal(HttpStatusCode.UnprocessableEntity, pay.StatusCode);
        Assert.EndsWith("This bill is no longer available; look it up again.", ErrorText(await pay.Content.ReadAsStringAsync()));
        Assert.Empty(_stripe.Requests);
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_token_is_refused()
    {
        var browser = Browser();
        await browser.GetAsync("billing/pay");

        var response = await browser.PostAsync("billing/pay", new FormUrlEncodedContent(new Dictionary<string, string> { ["Number"] = "G-1", ["BirthDate"] = "1970-01-01" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("FhirPortal.GuestPay=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Requests_past_the_rate_limit_are_429()
    {
        await StartAsync(new() { ["FhirPortal:Billing:GuestPay:RequestsPerMinute"] = "3" });
        var browser = Browser();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++) statuses.Add((await browser.GetAsync("billing/pay")).StatusCode);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    private HttpClient Browser() => _data.Host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    private static async Task<HttpResponseMessage> LookupAsync(HttpClient browser, string number, string birthDate)
    {
        var page = await (await browser.GetAsync("billing/pay")).Content.ReadAsStringAsync();
        return await PostAsync(browser, "billing/pay", new() { ["Number"] = number, ["BirthDate"] = birthDate }, page);
    }

    /// <summary>Posts a form with the antiforgery token of <paramref name="page"/> (the page the browser shows).</summary>
    private static Task<HttpResponseMessage> PostAsync(HttpClient browser, string url, Dictionary<string, string> fields, string page)
    {
        var token = Token().Match(page);
        Assert.True(token.Success, page);
        fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value);
        return browser.PostAsync(url, new FormUrlEncodedContent(fields));
    }

    private static string ErrorText(string page) =>
        WebUtility.HtmlDecode(Regex.Match(page, "<div class=\"error\" role=\"alert\" id=\"pay-error\"><p>(.*?)</p>").Groups[1].Value);

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
