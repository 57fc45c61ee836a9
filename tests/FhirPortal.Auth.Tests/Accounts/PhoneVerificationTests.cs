using System.Net;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>/auth/account/phone: a mobile number is stored (PhoneNumber + PhoneNumberConfirmed) only once the texted code comes back.</summary>
public sealed class PhoneVerificationTests
{
    private const string Page = "auth/account/phone";

    private static Dictionary<string, string> Send(string number) => new() { ["PhoneNumber"] = number };
    private static Dictionary<string, string> Verify(string code, string number = TextInbox.Number) => new() { ["PendingNumber"] = number, ["Code"] = code };
    private static string Wrong(string code) => code == "000000" ? "111111" : "000000";

    [Fact]
    public async Task The_code_goes_through_Twilio_as_one_Messages_POST_and_entering_it_verifies_the_number()
    {
        await using var inbox = await TextInbox.StartAsync(twilio: true);
        var browser = await inbox.Accounts.SignedInAsync(SignInHarness.PatientName);

        var sent = await SignInHarness.SubmitAsync(browser, Page, Send(TextInbox.Typed), "Send");
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal((null, false), await inbox.PhoneOfAsync(SignInHarness.PatientName)); // nothing stored before the code comes back
        var request = Assert.Single(inbox.Twilio!.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/2010-04-01/Accounts/{TextInbox.Sid}/Messages.json", request.Path);
        Assert.Equal(TextInbox.BasicAuth, request.Authorization);
        Assert.Equal(TextInbox.Number, request.Form["To"]);
        Assert.Equal(TextInbox.From, request.Form["From"]);
        var code = inbox.LatestCode();
        Assert.Contains($"code to verify this number is {code}", request.Form["Body"]);
        Assert.Contains("10 minutes", request.Form["Body"]);

        var verified = await SignInHarness.SubmitAsync(browser, Page, Verify(code), "Verify");
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        Assert.Equal((TextInbox.Number, true), await inbox.PhoneOfAsync(SignInHarness.PatientName));
        Assert.Contains("+12015550123 (verified)", WebUtility.HtmlDecode(await (await browser.GetAsync("auth/account")).Content.ReadAsStringAsync()));
        var audit = await inbox.Accounts.AuditEventsAsync(SignInHarness.PatientName);
        Assert.Contains(audit, a => SignInHarness.Subtype(a) == "phone-verification-sent");
        Assert.Contains(audit, a => SignInHarness.Subtype(a) == "phone-verified");
    }

    [Fact]
    public async Task Without_Twilio_the_code_is_written_to_the_sms_folder()
    {
        await using var inbox = await TextInbox.StartAsync(twilio: false);
        var browser = await inbox.Accounts.SignedInAsync(SignInHarness.StaffName);
        await inbox.VerifyNumberAsync(browser);
        Assert.Equal((TextInbox.Number, true), await inbox.PhoneOfAsync(SignInHarness.StaffName));
        Assert.Single(inbox.Texts());
    }

    [Theory]
    [InlineData("call me maybe")]
    [InlineData("+1 555 555 0100")] // no such area code
    [InlineData("+44 20 7946 0958")] // a London landline: cannot receive texts
    [InlineData("12")]
    public async Task A_number_that_cannot_receive_texts_is_refused_and_nothing_is_sent(string typed)
    {
        await using var inbox = await TextInbox.StartAsync(twilio: false);
        var browser = await inbox.Accounts.SignedInAsync(SignInHarness.StaffName);
        var sent = await SignInHarness.SubmitAsync(browser, Page, Send(typed), "Send");
        Assert.Equal(HttpStatusCode.BadRequest, sent.StatusCode);
        Assert.Contains("Enter a mobile number that can receive texts", await sent.Content.ReadAsStringAsync());
        Assert.Empty(inbox.Texts());
    }

    [Fact]
    public async Task Wrong_codes_are_refused_and_the_fifth_voids_the_code()
    {
        await using var inbox = await TextInbox.StartAsync(twilio: false);
        var browser = await inbox.Accounts.SignedInAsync(SignInHarness.StaffName);
        await SignInHarness.SubmitAsync(browser, Page, Send(TextInbox.Typed), "Send");
        var code = inbox.LatestCode();

        for (var i = 1; i <= 4; i++)
        {
            var attempt = await SignInHarness.SubmitAsync(browser, Page, Verify(Wrong(code)), "Verify");
            Assert.Equal(HttpStatusCode.BadRequest, attempt.StatusCode);
            Assert.Contains("That code is not right", await attempt.Content.ReadAsStringAsync());
        }
        var fifth = await SignInHarness.SubmitAsync(browser, Page, Verify(Wrong(code)), "Verify");
        Assert.Contains("Too many wrong entries", await fifth.Content.ReadAsStringAsync());
        var right = await SignInHarness.SubmitAsync(browser, Page, Verify(code), "Verify");
        Assert.Equal(HttpStatusCode.BadRequest, right.StatusCode);
        Assert.Equal((null, false), await inbox.PhoneOfAsync(SignInHarness.StaffName));
    }

    [Fact]
    public async Task A_code_expires_after_10_minutes()
    {
        await using var inbox = await TextInbox.StartAsync(twilio: false);
        var browser = await inbox.Accounts.SignedInAsync(SignInHarness.StaffName);
        await SignInHarness.SubmitAsync(browser, Page, Send(TextInbox.Typed), "Send");
        inbox.Accounts.Clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        var late = await SignInHarness.SubmitAsync(browser, Page, Verify(inbox.LatestCode()), "Verify");
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
        Assert.Contains("That code has expired", await late.Content.ReadAsStringAsync());
        Assert.Equal((null, false), await inbox.PhoneOfAsync(SignInHarness.StaffName));
    }

    [Fact]
    public async Task A_code_verifies_only_the_number_it_was_sent_to()
    {
        await using var inbox = await TextInbox.StartAsync(twilio: false);
        var browser = await inbox.Accounts.SignedInAsync(SignInHarness.StaffName);
        await SignInHarness.SubmitAsync(browser, Page, Send(TextInbox.Typed), "Send");
        var other = await SignInHarness.SubmitAsync(browser, Page, Verify(inbox.LatestCode(), "+12015550199"), "Verify");
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        Assert.Equal((null, false), await inbox.PhoneOfAsync(SignInHarness.StaffName));
    }

    [Fact]
    public async Task Sending_is_limited_to_five_texts_an_hour_per_account()
    {
        await using var inbox = await TextInbox.StartAsync(twilio: false);
        var browser = await inbox.Accounts.SignedInAsync(SignInHarness.StaffName);
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.OK, (await SignInHarness.SubmitAsync(browser, Page, Send(TextInbox.Typed), "Send")).StatusCode);
        var sixth = await SignInHarness.SubmitAsync(browser, Page, Send(TextInbox.Typed), "Send");
        Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
        Assert.NotNull(sixth.Headers.RetryAfter);
        Assert.Equal(5, inbox.Texts().Count);

        inbox.Accounts.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await SignInHarness.SubmitAsync(browser, Page, Send(TextInbox.Typed), "Send")).StatusCode);
        Assert.Equal(6, inbox.Texts().Count);
    }

    [Fact]
    public async Task Removing_the_number_clears_it_and_its_verification()
    {
        await using var inbox = await TextInbox.StartAsync(twilio: false);
        var browser = await inbox.Accounts.SignedInAsync(SignInHarness.StaffName);
        await inbox.VerifyNumberAsync(browser);

        var removed = await SignInHarness.SubmitAsync(browser, Page, handler: "Remove");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Equal((null, false), await inbox.PhoneOfAsync(SignInHarness.StaffName));
        Assert.Contains(await inbox.Accounts.AuditEventsAsync(SignInHarness.StaffName), a => SignInHarness.Subtype(a) == "phone-removed");
    }
}
