using System.Net;
using FhirPortal.Auth.Pages;
using FhirPortal.Auth.Tests.Smart;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>Forgot password, reset link (single use, signs the account out of apps) and forgot user name, over HTTP.</summary>
public sealed class PasswordResetTests : IAsyncLifetime
{
    private const string NewPassword = "Quiet-harbour-41";
    private AccountHarness _accounts = null!;
    private string _user = null!;

    public async Task InitializeAsync()
    {
        _accounts = await AccountHarness.StartAsync();
        _user = await _accounts.ConfirmedPatientAsync("f1", "MRN-F1", "1970-02-03", "grace.h", "grace@example.org");
    }

    public async Task DisposeAsync() => await _accounts.DisposeAsync();

    private Task<AccountHarness.PageResponse> ForgotPasswordAsync(string identifier) =>
        AccountHarness.SubmitAsync(_accounts.Smart.Client(), "auth/forgot-password", new Dictionary<string, string> { ["Identifier"] = identifier });

    [Fact]
    public async Task Forgot_password_answers_the_same_for_an_account_an_email_and_nobody_and_mails_only_real_accounts()
    {
        var before = _accounts.MailFiles().Length;
        var byName = await ForgotPasswordAsync(_user);
        var byEmail = await ForgotPasswordAsync("GRACE@example.org");
        Assert.Equal(before + 2, _accounts.MailFiles().Length);
        var nobody = await ForgotPasswordAsync("nobody@example.org");
        var noName = await ForgotPasswordAsync("no.such.user");
        Assert.Equal(before + 2, _accounts.MailFiles().Length);

        var answers = new[] { byName, byEmail, nobody, noName };
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Single(answers.Select(a => a.Comparable).Distinct());
        Assert.Contains("id=\"forgot-sent\"", byName.Html);
        Assert.Equal(4, (await _accounts.AuditAsync("password-reset-requested")).Count);
    }

    [Fact]
    public async Task A_reset_link_sets_a_new_password_once_and_revokes_the_accounts_refresh_tokens()
    {
        var tokens = await _accounts.Smart.StandaloneAsync(_user, "openid fhirUser launch/patient patient/Patient.rs offline_access");
        var refreshToken = (string)tokens["refresh_token"]!;
        await ForgotPasswordAsync(_user);
        var link = AccountHarness.Link(await _accounts.NewestMailAsync());
        Assert.StartsWith("auth/reset-password?", link);

        var browser = _accounts.Smart.Client();
        var changed = await AccountHarness.SubmitAsync(browser, link, new Dictionary<string, string> { ["Password"] = NewPassword, ["ConfirmPassword"] = NewPassword }, action: "auth/reset-password");
        Assert.True(changed.Status == HttpStatusCode.OK, changed.Html);
        Assert.Contains("id=\"reset-done\"", changed.Html);

        var reused = await AccountHarness.SubmitAsync(_accounts.Smart.Client(), link, new Dictionary<string, string> { ["Password"] = "Another-river-57", ["ConfirmPassword"] = "Another-river-57" }, action: "auth/reset-password");
        Assert.Equal(HttpStatusCode.BadRequest, reused.Status);
        Assert.Contains(ResetPasswordModel.InvalidLink, WebUtility.HtmlDecode(reused.Html));

        var refresh = await _accounts.Smart.PostFormAsync("connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken, ["client_id"] = SmartHarness.PublicApp,
        });
        Assert.Equal(HttpStatusCode.BadRequest, refresh.Status);
        Assert.Equal("invalid_grant", (string?)refresh.Body["error"]);

        Assert.Equal(HttpStatusCode.BadRequest, (await _accounts.SignInAsync(_user, SmartHarness.Password)).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await _accounts.SignInAsync(_user, NewPassword)).Status);
        var audit = await _accounts.AuditAsync("password-reset");
        Assert.Equal(2, audit.Count);
        Assert.Single(audit, a => a.Contains("\"outcome\":\"0\""));
    }

    [Fact]
    public async Task A_reset_link_for_another_account_or_with_a_changed_code_does_not_work()
    {
        await ForgotPasswordAsync(_user);
        var link = AccountHarness.Link(await _accounts.NewestMailAsync());
        var tampered = link.Replace("code=", "code=x");

        var result = await AccountHarness.SubmitAsync(_accounts.Smart.Client(), tampered, new Dictionary<string, string> { ["Password"] = NewPassword, ["ConfirmPassword"] = NewPassword }, action: "auth/reset-password");

        Assert.Equal(HttpStatusCode.BadRequest, result.Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await _accounts.SignInAsync(_user, NewPassword)).Status);
    }

    [Fact]
    public async Task A_common_password_is_refused_on_reset()
    {
        await ForgotPasswordAsync(_user);
        var link = AccountHarness.Link(await _accounts.NewestMailAsync());

        var result = await AccountHarness.SubmitAsync(_accounts.Smart.Client(), link, new Dictionary<string, string> { ["Password"] = "Welcome2024!!", ["ConfirmPassword"] = "Welcome2024!!" }, action: "auth/reset-password");

        Assert.Equal(HttpStatusCode.BadRequest, result.Status);
        Assert.Contains("too common", WebUtility.HtmlDecode(result.Html));
    }

    [Fact]
    public async Task Forgot_user_name_mails_the_user_names_of_that_address_and_answers_the_same_for_an_unknown_one()
    {
        var before = _accounts.MailFiles().Length;
        var known = await AccountHarness.SubmitAsync(_accounts.Smart.Client(), "auth/forgot-username", new Dictionary<string, string> { ["Email"] = "grace@example.org" });
        var mail = await _accounts.NewestMailAsync();
        var unknown = await AccountHarness.SubmitAsync(_accounts.Smart.Client(), "auth/forgot-username", new Dictionary<string, string> { ["Email"] = "nobody@example.org" });

        Assert.Equal(before + 1, _accounts.MailFiles().Length);
        Assert.Contains(_user, mail.TextBody);
        Assert.Equal("grace@example.org", mail.To.Mailboxes.Single().Address);
        Assert.Equal(known.Comparable, unknown.Comparable);
        Assert.Equal(2, (await _accounts.AuditAsync("username-reminder")).Count);
    }

    [Fact]
    public async Task A_wrong_confirmation_link_confirms_nothing()
    {
        var user = await _accounts.UserAsync(_user);
        var response = await _accounts.Smart.Client().GetAsync($"auth/confirm-email?userId={user!.Id}&code=forged");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("id=\"confirm-error\"", await response.Content.ReadAsStringAsync());
    }
}
