using System.Net;
using System.Text.RegularExpressions;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>The /auth/account pages: password, email (confirmed at the new address), phone, recent sign-ins, apps link.</summary>
public sealed partial class SelfServiceTests
{
    [Theory]
    [InlineData("auth/account")]
    [InlineData("auth/account/password")]
    [InlineData("auth/account/email")]
    [InlineData("auth/account/phone")]
    [InlineData("auth/account/two-factor")]
    [InlineData("auth/account/two-factor/authenticator")]
    public async Task Account_pages_need_a_signed_in_user(string page)
    {
        await using var accounts = await SignInHarness.StartAsync();
        var response = await accounts.Browser().GetAsync(page);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/auth/login", response.Headers.Location!.AbsolutePath);
    }

    [Fact]
    public async Task Changing_the_password_needs_the_current_one_and_then_only_the_new_one_works()
    {
        await using var accounts = await SignInHarness.StartAsync();
        var browser = await accounts.SignedInAsync(SignInHarness.StaffName);
        const string newPassword = "Brand-new-password-2";

        var wrong = await SignInHarness.SubmitAsync(browser, "auth/account/password", new Dictionary<string, string>
        {
            ["CurrentPassword"] = "Not-the-password-9", ["NewPassword"] = newPassword, ["ConfirmPassword"] = newPassword,
        });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var mismatch = await SignInHarness.SubmitAsync(browser, "auth/account/password", new Dictionary<string, string>
        {
            ["CurrentPassword"] = SignInHarness.Password, ["NewPassword"] = newPassword, ["ConfirmPassword"] = newPassword + "x",
        });
        Assert.Contains("do not match", await mismatch.Content.ReadAsStringAsync());

        var changed = await SignInHarness.SubmitAsync(browser, "auth/account/password", new Dictionary<string, string>
        {
            ["CurrentPassword"] = SignInHarness.Password, ["NewPassword"] = newPassword, ["ConfirmPassword"] = newPassword,
        });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Contains("Your password was changed.", await changed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("auth/account")).StatusCode); // this session goes on
        Assert.Equal("Your FhirPortal password was changed", (await accounts.LatestMailAsync()).Subject);

        Assert.Equal(HttpStatusCode.BadRequest, (await SignInHarness.PostPasswordAsync(accounts.Browser(), SignInHarness.StaffName, SignInHarness.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInHarness.PostPasswordAsync(accounts.Browser(), SignInHarness.StaffName, newPassword)).StatusCode);
        Assert.Contains(await accounts.AuditEventsAsync(SignInHarness.StaffName), a => SignInHarness.Subtype(a) == "password-changed");
    }

    [Fact]
    public async Task A_new_email_address_takes_effect_only_through_the_link_sent_to_it()
    {
        await using var accounts = await SignInHarness.StartAsync();
        var browser = await accounts.SignedInAsync(SignInHarness.PatientName);
        var requested = await SignInHarness.SubmitAsync(browser, "auth/account/email", new Dictionary<string, string> { ["NewEmail"] = "ada.new@example.org" });
        Assert.Equal(HttpStatusCode.OK, requested.StatusCode);

        var mail = await accounts.LatestMailAsync();
        Assert.Equal("ada.new@example.org", mail.To.Mailboxes.Single().Address);
        var link = Regex.Match(mail.TextBody ?? "", "http://localhost(/auth/account/email/confirm\\S+)").Groups[1].Value;
        Assert.Equal(SignInHarness.PatientEmail, await accounts.WithUsersAsync(async users => (await users.FindByNameAsync(SignInHarness.PatientName))!.Email));

        var tampered = await accounts.Browser().GetAsync(link.Replace("ada.new", "mallory"));
        Assert.Equal(HttpStatusCode.BadRequest, tampered.StatusCode);

        var confirmed = await accounts.Browser().GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains("Email address changed", await confirmed.Content.ReadAsStringAsync());
        Assert.Equal("ada.new@example.org", await accounts.WithUsersAsync(async users => (await users.FindByNameAsync(SignInHarness.PatientName))!.Email));
        var notice = await accounts.LatestMailAsync();
        Assert.Equal(SignInHarness.PatientEmail, notice.To.Mailboxes.Single().Address);
        Assert.Equal("Your FhirPortal email address was changed", notice.Subject);
        // Used once: the same link does not work again.
        Assert.Equal(HttpStatusCode.BadRequest, (await accounts.Browser().GetAsync(link)).StatusCode);

        // Sign-in codes now go to the new address.
        var next = accounts.Browser();
        await SignInHarness.PostPasswordAsync(next, SignInHarness.PatientName, SignInHarness.Password);
        Assert.Equal("ada.new@example.org", (await accounts.LatestMailAsync()).To.Mailboxes.Single().Address);
        var audit = await accounts.AuditEventsAsync(SignInHarness.PatientName);
        Assert.Contains(audit, a => SignInHarness.Subtype(a) == "email-change-requested");
        Assert.Contains(audit, a => SignInHarness.Subtype(a) == "email-changed");
    }

    [Fact]
    public async Task The_account_page_lists_own_recent_sign_ins_with_address_and_browser_and_links_to_apps()
    {
        await using var accounts = await SignInHarness.StartAsync();
        var stranger = accounts.Browser();
        stranger.DefaultRequestHeaders.UserAgent.ParseAdd("Guesser/6.6");
        await SignInHarness.PostPasswordAsync(stranger, SignInHarness.PatientName, "Not-the-password-9");
        await SignInHarness.PostPasswordAsync(accounts.Browser(), SignInHarness.StaffName, "Not-the-password-9");
        var browser = await accounts.SignedInAsync(SignInHarness.PatientName);

        var html = await (await browser.GetAsync("auth/account")).Content.ReadAsStringAsync();
        var table = Regex.Match(html, "<table id=\"recent-sign-ins\">.*</table>", RegexOptions.Singleline).Value;
        var rows = Regex.Matches(table, "<tr>\\s*<td>").Count;
        Assert.Equal(2, rows); // the guess and the sign-in; not grace's failure
        Assert.Contains("failure", table);
        Assert.Contains("success", table);
        Assert.Contains("Guesser/6.6", table);
        Assert.Contains("href=\"/auth/apps\"", html);
        Assert.Contains("On: a code sent to your email.", html);
    }

    [Fact]
    public async Task Signing_out_is_audited()
    {
        await using var accounts = await SignInHarness.StartAsync();
        var browser = await accounts.SignedInAsync(SignInHarness.StaffName);
        var signedOut = await PostLogoutAsync(browser);
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("auth/account")).StatusCode);
        Assert.Contains(await accounts.AuditEventsAsync(SignInHarness.StaffName), a => SignInHarness.Subtype(a) == "110123");
    }

    /// <summary>The account page's sign-out button (a form posting to /auth/logout with its antiforgery token).</summary>
    private static async Task<HttpResponseMessage> PostLogoutAsync(HttpClient browser)
    {
        var page = await (await browser.GetAsync("auth/account")).Content.ReadAsStringAsync();
        var fields = Smart.SmartHarness.Inputs(page);
        Assert.True(fields.ContainsKey("__RequestVerificationToken"), page);
        return await browser.PostAsync("auth/logout", new FormUrlEncodedContent(fields));
    }
}
