using System.Net;
using System.Text.RegularExpressions;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>Authenticator app (TOTP) setup on the account pages, sign-in with it, and recovery codes.</summary>
public sealed partial class TwoFactorAuthenticatorTests
{
    private const string SetupPage = "auth/account/two-factor/authenticator";

    /// <summary>Signs in, opens setup, checks the QR code and key, confirms with the app's code; returns the key and recovery codes.</summary>
    private static async Task<(HttpClient Browser, string Key, List<string> RecoveryCodes)> EnrolAsync(SignInHarness accounts, string user)
    {
        var browser = await accounts.SignedInAsync(user);
        var html = await (await browser.GetAsync(SetupPage)).Content.ReadAsStringAsync();
        var key = Regex.Match(html, "<kbd id=\"authenticator-key\">([a-z0-9 ]+)</kbd>").Groups[1].Value.Replace(" ", "").ToUpperInvariant();
        Assert.NotEmpty(key);
        var uri = System.Net.WebUtility.HtmlDecode(Regex.Match(html, "id=\"provisioning-uri\" value=\"([^\"]+)\"").Groups[1].Value);
        Assert.StartsWith("otpauth://totp/FhirPortal:", uri);
        Assert.Contains($"secret={key}", uri);
        Assert.Contains("issuer=FhirPortal", uri);
        var png = Convert.FromBase64String(System.Net.WebUtility.HtmlDecode(Regex.Match(html, "src=\"data:image/png;base64,([^\"]+)\"").Groups[1].Value));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);

        var enabled = await SignInHarness.SubmitAsync(browser, SetupPage, new Dictionary<string, string> { ["Code"] = SignInHarness.Totp(key, DateTimeOffset.UtcNow) });
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        var codes = RecoveryCode().Matches(await enabled.Content.ReadAsStringAsync()).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(10, codes.Count);
        return (browser, key, codes);
    }

    private static async Task<string> PasswordStepAsync(SignInHarness accounts, HttpClient browser, string user)
    {
        var posted = await SignInHarness.PostPasswordAsync(browser, user, SignInHarness.Password);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.StartsWith("/auth/login/two-factor", posted.Headers.Location!.OriginalString);
        return posted.Headers.Location!.OriginalString;
    }

    [Fact]
    public async Task Authenticator_setup_shows_a_QR_code_and_then_sign_in_asks_for_the_app_code_instead_of_mail()
    {
        await using var accounts = await SignInHarness.StartAsync();
        var (_, key, _) = await EnrolAsync(accounts, SignInHarness.PatientName);
        var audit = await accounts.AuditEventsAsync(SignInHarness.PatientName);
        Assert.Contains(audit, a => SignInHarness.Subtype(a) == "two-factor-enabled");

        var browser = accounts.Browser();
        var mails = accounts.MailCount;
        var twoFactor = await PasswordStepAsync(accounts, browser, SignInHarness.PatientName);
        Assert.Equal(mails, accounts.MailCount); // no mail: the app is the second factor now
        Assert.Contains("authenticator app", await (await browser.GetAsync(twoFactor)).Content.ReadAsStringAsync());

        var wrong = await SignInHarness.SubmitAsync(browser, twoFactor, new Dictionary<string, string> { ["Code"] = "12345" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var done = await SignInHarness.SubmitAsync(browser, twoFactor, new Dictionary<string, string> { ["Code"] = SignInHarness.Totp(key, DateTimeOffset.UtcNow) });
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("auth/account")).StatusCode);
    }

    [Fact]
    public async Task Setup_with_a_wrong_code_leaves_two_factor_as_it_was()
    {
        await using var accounts = await SignInHarness.StartAsync();
        var browser = await accounts.SignedInAsync(SignInHarness.StaffName);
        var wrong = await SignInHarness.SubmitAsync(browser, SetupPage, new Dictionary<string, string> { ["Code"] = "000000" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.False(await accounts.WithUsersAsync(async users => (await users.FindByNameAsync(SignInHarness.StaffName))!.TwoFactorEnabled));
        Assert.Equal("/auth/account", (await SignInHarness.PostPasswordAsync(accounts.Browser(), SignInHarness.StaffName, SignInHarness.Password)).Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_recovery_code_signs_in_once_and_not_twice()
    {
        await using var accounts = await SignInHarness.StartAsync();
        var (_, _, codes) = await EnrolAsync(accounts, SignInHarness.StaffName);

        var browser = accounts.Browser();
        var twoFactor = await PasswordStepAsync(accounts, browser, SignInHarness.StaffName);
        var used = await SignInHarness.SubmitAsync(browser, twoFactor, new Dictionary<string, string> { ["RecoveryCode"] = codes[0] }, handler: "Recovery");
        Assert.Equal(HttpStatusCode.Redirect, used.StatusCode);
        Assert.Contains(await accounts.AuditEventsAsync(SignInHarness.StaffName), a => SignInHarness.Subtype(a) == "recovery-code-used");

        var again = accounts.Browser();
        var twoFactorAgain = await PasswordStepAsync(accounts, again, SignInHarness.StaffName);
        var reused = await SignInHarness.SubmitAsync(again, twoFactorAgain, new Dictionary<string, string> { ["RecoveryCode"] = codes[0] }, handler: "Recovery");
        Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);
        Assert.Contains("it was used before", await reused.Content.ReadAsStringAsync());
        var other = await SignInHarness.SubmitAsync(again, twoFactorAgain, new Dictionary<string, string> { ["RecoveryCode"] = codes[1] }, handler: "Recovery");
        Assert.Equal(HttpStatusCode.Redirect, other.StatusCode);
    }

    [Fact]
    public async Task New_recovery_codes_replace_the_old_ones()
    {
        await using var accounts = await SignInHarness.StartAsync();
        var (browser, _, old) = await EnrolAsync(accounts, SignInHarness.StaffName);
        var regenerated = await SignInHarness.SubmitAsync(browser, "auth/account/two-factor", handler: "RecoveryCodes");
        var fresh = RecoveryCode().Matches(await regenerated.Content.ReadAsStringAsync()).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(10, fresh.Count);
        Assert.Empty(fresh.Intersect(old));
        // Shown once: the page does not show them again.
        Assert.Empty(RecoveryCode().Matches(await (await browser.GetAsync("auth/account/two-factor")).Content.ReadAsStringAsync()));

        var again = accounts.Browser();
        var twoFactor = await PasswordStepAsync(accounts, again, SignInHarness.StaffName);
        Assert.Equal(HttpStatusCode.BadRequest, (await SignInHarness.SubmitAsync(again, twoFactor, new Dictionary<string, string> { ["RecoveryCode"] = old[0] }, handler: "Recovery")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInHarness.SubmitAsync(again, twoFactor, new Dictionary<string, string> { ["RecoveryCode"] = fresh[0] }, handler: "Recovery")).StatusCode);
        Assert.Contains(await accounts.AuditEventsAsync(SignInHarness.StaffName), a => SignInHarness.Subtype(a) == "recovery-codes-regenerated");
    }

    [Fact]
    public async Task Staff_can_turn_two_factor_off_but_a_patient_removing_the_app_falls_back_to_mailed_codes()
    {
        await using var accounts = await SignInHarness.StartAsync();
        var (staff, _, _) = await EnrolAsync(accounts, SignInHarness.StaffName);
        var off = await SignInHarness.SubmitAsync(staff, "auth/account/two-factor", handler: "Disable");
        Assert.Contains("Two-step sign-in is off", await off.Content.ReadAsStringAsync());
        Assert.Equal("/auth/account", (await SignInHarness.PostPasswordAsync(accounts.Browser(), SignInHarness.StaffName, SignInHarness.Password)).Headers.Location!.OriginalString);
        Assert.Contains(await accounts.AuditEventsAsync(SignInHarness.StaffName), a => SignInHarness.Subtype(a) == "two-factor-disabled");

        var (patient, _, _) = await EnrolAsync(accounts, SignInHarness.PatientName);
        var page = await (await patient.GetAsync("auth/account/two-factor")).Content.ReadAsStringAsync();
        Assert.Contains("Remove authenticator app (use emailed codes)", page);
        Assert.DoesNotContain("Turn two-step sign-in off", page);
        await SignInHarness.SubmitAsync(patient, "auth/account/two-factor", handler: "Disable");
        var mails = accounts.MailCount;
        var browser = accounts.Browser();
        await PasswordStepAsync(accounts, browser, SignInHarness.PatientName);
        Assert.Equal(mails + 1, accounts.MailCount);
        Assert.Contains(await accounts.AuditEventsAsync(SignInHarness.PatientName), a => SignInHarness.Subtype(a) == "authenticator-reset");
    }

    [Fact]
    public async Task Staff_can_turn_on_mailed_codes()
    {
        await using var accounts = await SignInHarness.StartAsync();
        var browser = await accounts.SignedInAsync(SignInHarness.StaffName);
        var on = await SignInHarness.SubmitAsync(browser, "auth/account/two-factor", handler: "EnableEmail");
        Assert.Contains("we will email you a code", await on.Content.ReadAsStringAsync());
        var next = accounts.Browser();
        var posted = await SignInHarness.PostPasswordAsync(next, SignInHarness.StaffName, SignInHarness.Password);
        Assert.StartsWith("/auth/login/two-factor", posted.Headers.Location!.OriginalString);
        Assert.Equal(SignInHarness.StaffEmail, (await accounts.LatestMailAsync()).To.Mailboxes.Single().Address);
    }

    [GeneratedRegex("<code class=\"recovery-code\">([^<]+)</code>")]
    private static partial Regex RecoveryCode();
}
