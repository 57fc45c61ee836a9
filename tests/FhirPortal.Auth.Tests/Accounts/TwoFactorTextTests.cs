using System.Net;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>Sign-in codes by text to the verified mobile number: same lifetime, attempt limit and lockout as emailed codes.</summary>
public sealed class TwoFactorTextTests
{
    private static Dictionary<string, string> Code(string code) => new() { ["Code"] = code };
    private static string Wrong(string code) => code == "000000" ? "111111" : "000000";

    /// <summary>The password step; returns the two-factor page's address.</summary>
    private static async Task<string> PasswordAsync(HttpClient browser)
    {
        var posted = await SignInHarness.PostPasswordAsync(browser, SignInHarness.PatientName, SignInHarness.Password);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var next = posted.Headers.Location!.OriginalString;
        Assert.StartsWith("/auth/login/two-factor", next);
        return next;
    }

    [Fact]
    public async Task A_patient_switches_to_a_texted_code_through_Twilio_and_texts_stay_the_default()
    {
        await using var inbox = await TextInbox.StartAsync(twilio: true);
        await inbox.VerifyNumberAsync(await inbox.Accounts.SignedInAsync(SignInHarness.PatientName));
        var browser = inbox.Accounts.Browser();
        var twoFactor = await PasswordAsync(browser);
        Assert.Single(inbox.Texts()); // the verification text only: email is the default at first
        Assert.Contains("Text the code to my phone instead", await (await browser.GetAsync(twoFactor)).Content.ReadAsStringAsync());

        var switched = await SignInHarness.SubmitAsync(browser, twoFactor, handler: "Switch");
        Assert.Equal(HttpStatusCode.OK, switched.StatusCode);
        Assert.Contains("We texted a 6-digit code to your mobile number ending in 23", await switched.Content.ReadAsStringAsync());
        var request = inbox.Twilio!.Requests[^1];
        Assert.Equal($"/2010-04-01/Accounts/{TextInbox.Sid}/Messages.json", request.Path);
        Assert.Equal(TextInbox.BasicAuth, request.Authorization);
        Assert.Equal((TextInbox.Number, TextInbox.From), (request.Form["To"], request.Form["From"]));
        var code = inbox.LatestCode();
        Assert.Contains($"sign-in code is {code}", request.Form["Body"]);

        var done = await SignInHarness.SubmitAsync(browser, twoFactor, Code(code));
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal("/auth/account", done.Headers.Location!.OriginalString);
        Assert.Contains(await inbox.Accounts.AuditEventsAsync(SignInHarness.PatientName),
            a => SignInHarness.Subtype(a) == "110122" && (string?)a["outcome"] == "0" && ((string?)a["outcomeDesc"])!.Contains("texted code"));

        // The next sign-in texts the code straight away, and sends no mail.
        var mails = inbox.Accounts.MailCount;
        var again = inbox.Accounts.Browser();
        var next = await PasswordAsync(again);
        Assert.Equal(3, inbox.Texts().Count);
        Assert.Equal(mails, inbox.Accounts.MailCount);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInHarness.SubmitAsync(again, next, Code(inbox.LatestCode()))).StatusCode);
    }

    [Theory]
    [InlineData(false, "false", false)] // no Twilio, file sink not allowed (production): a code would land in a file
    [InlineData(false, "true", true)]   // the operator reads the files on purpose (a demo)
    [InlineData(true, "false", true)]   // Twilio reaches people whatever the file sink setting
    public async Task Texted_codes_are_offered_only_when_texts_reach_people(bool twilio, string fileSink, bool offered)
    {
        await using var inbox = await TextInbox.StartAsync(twilio, new Dictionary<string, string?> { ["FhirPortal:Notifications:Sms:FileSink"] = fileSink });
        await inbox.ArrangeNumberAsync(SignInHarness.PatientName);
        var browser = inbox.Accounts.Browser();
        var twoFactor = await PasswordAsync(browser);

        var page = await (await browser.GetAsync(twoFactor)).Content.ReadAsStringAsync();
        Assert.Equal(offered, page.Contains("We texted a 6-digit code"));
        Assert.Equal(!offered, page.Contains("We emailed a 6-digit code"));
        Assert.Equal(offered ? 1 : 0, inbox.Texts().Count);
        var phone = await (await (await inbox.Accounts.SignedInAsync(SignInHarness.StaffName)).GetAsync("auth/account/phone")).Content.ReadAsStringAsync();
        Assert.Equal(!offered, phone.Contains("This portal does not send text messages."));
    }

    [Fact]
    public async Task Five_wrong_texted_codes_void_the_code_and_count_towards_lockout()
    {
        await using var inbox = await TextInbox.StartAsync(twilio: false);
        await inbox.ArrangeNumberAsync(SignInHarness.PatientName);
        var browser = inbox.Accounts.Browser();
        var twoFactor = await PasswordAsync(browser);
        var code = inbox.LatestCode();

        for (var i = 1; i <= 4; i++)
        {
            var attempt = await SignInHarness.SubmitAsync(browser, twoFactor, Code(Wrong(code)));
            Assert.Equal(HttpStatusCode.BadRequest, attempt.StatusCode);
            Assert.Contains("Check the latest text message from us", await attempt.Content.ReadAsStringAsync());
        }
        var fifth = await SignInHarness.SubmitAsync(browser, twoFactor, Code(Wrong(code)));
        Assert.Contains("Too many wrong entries: that code no longer works", await fifth.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await SignInHarness.SubmitAsync(browser, twoFactor, Code(code))).StatusCode);
        Assert.Equal(6, await inbox.Accounts.WithUsersAsync(async users => (await users.FindByNameAsync(SignInHarness.PatientName))!.AccessFailedCount));
        Assert.Equal(0, inbox.Accounts.MailCount);
    }

    [Fact]
    public async Task Wrong_texted_codes_lock_the_account_at_the_lockout_count()
    {
        await using var inbox = await TextInbox.StartAsync(twilio: false,
            new Dictionary<string, string?> { ["FhirPortal:Auth:Accounts:SignIn:Lockout:MaxFailedAttempts"] = "3" });
        await inbox.ArrangeNumberAsync(SignInHarness.PatientName);
        var browser = inbox.Accounts.Browser();
        var twoFactor = await PasswordAsync(browser);
        var code = inbox.LatestCode();
        await SignInHarness.SubmitAsync(browser, twoFactor, Code(Wrong(code)));
        await SignInHarness.SubmitAsync(browser, twoFactor, Code(Wrong(code)));
        var third = await SignInHarness.SubmitAsync(browser, twoFactor, Code(Wrong(code)));
        Assert.Contains("This account is locked", await third.Content.ReadAsStringAsync());
        Assert.Contains("This account is locked", await (await SignInHarness.SubmitAsync(browser, twoFactor, Code(code))).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("auth/account")).StatusCode);
    }

    [Fact]
    public async Task A_texted_code_expires_after_10_minutes()
    {
        await using var inbox = await TextInbox.StartAsync(twilio: false);
        await inbox.ArrangeNumberAsync(SignInHarness.PatientName);
        var browser = inbox.Accounts.Browser();
        var twoFactor = await PasswordAsync(browser);
        inbox.Accounts.Clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        var late = await SignInHarness.SubmitAsync(browser, twoFactor, Code(inbox.LatestCode()));
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
        Assert.Contains("That code has expired", await late.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task When_the_text_cannot_be_sent_the_code_is_mailed_instead()
    {
        await using var inbox = await TextInbox.StartAsync(twilio: true);
        await inbox.ArrangeNumberAsync(SignInHarness.PatientName);
        inbox.Twilio!.FailWith = HttpStatusCode.InternalServerError;
        var browser = inbox.Accounts.Browser();
        var twoFactor = await PasswordAsync(browser);
        Assert.NotEmpty(inbox.Twilio.Requests); // the text was tried
        Assert.Contains("We emailed a 6-digit code", await (await browser.GetAsync(twoFactor)).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await SignInHarness.SubmitAsync(browser, twoFactor, Code(await inbox.Accounts.LatestCodeAsync()))).StatusCode);
    }

    [Fact]
    public async Task An_unverified_number_is_never_texted()
    {
        await using var inbox = await TextInbox.StartAsync(twilio: true);
        await inbox.ArrangeNumberAsync(SignInHarness.PatientName, verified: false);
        var browser = inbox.Accounts.Browser();
        var twoFactor = await PasswordAsync(browser);
        var page = await (await browser.GetAsync(twoFactor)).Content.ReadAsStringAsync();
        Assert.Contains("We emailed a 6-digit code", page);
        Assert.DoesNotContain("Text the code", page);
        Assert.Equal(HttpStatusCode.OK, (await SignInHarness.SubmitAsync(browser, twoFactor, handler: "Switch")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInHarness.SubmitAsync(browser, twoFactor, Code(await inbox.Accounts.LatestCodeAsync()))).StatusCode);

        var enable = await SignInHarness.SubmitAsync(browser, "auth/account/two-factor", handler: "EnableText");
        Assert.Equal(HttpStatusCode.BadRequest, enable.StatusCode);
        Assert.Empty(inbox.Twilio!.Requests);
    }

    [Fact]
    public async Task Removing_the_number_turns_texted_codes_off()
    {
        await using var inbox = await TextInbox.StartAsync(twilio: false);
        await inbox.ArrangeNumberAsync(SignInHarness.PatientName);
        var browser = inbox.Accounts.Browser();
        var twoFactor = await PasswordAsync(browser);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInHarness.SubmitAsync(browser, twoFactor, Code(inbox.LatestCode()))).StatusCode);
        Assert.Contains("On: a code texted to your mobile number.", await (await browser.GetAsync("auth/account")).Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, (await SignInHarness.SubmitAsync(browser, "auth/account/phone", handler: "Remove")).StatusCode);
        Assert.Equal((null, false), await inbox.PhoneOfAsync(SignInHarness.PatientName));
        var again = inbox.Accounts.Browser();
        var next = await PasswordAsync(again);
        Assert.Single(inbox.Texts());
        Assert.Contains("We emailed a 6-digit code", await (await again.GetAsync(next)).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await SignInHarness.SubmitAsync(again, next, Code(await inbox.Accounts.LatestCodeAsync()))).StatusCode);
    }
}
