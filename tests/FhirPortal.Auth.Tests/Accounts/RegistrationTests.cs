using System.Net;
using FhirPortal.Auth.Pages;
using FhirPortal.Auth.Tests.Smart;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>Patient self-registration over HTTP: the two steps, email confirmation before sign-in, and every refusal.</summary>
public sealed class RegistrationTests : IAsyncLifetime
{
    private const string Born = "1990-05-17";
    private AccountHarness _accounts = null!;

    public async Task InitializeAsync()
    {
        _accounts = await AccountHarness.StartAsync();
        await _accounts.PatientAsync("r1", "MRN-1", Born);
        await _accounts.PatientAsync("r2", "MRN-2", "1985-11-30", family: "Turing");
    }

    public async Task DisposeAsync() => await _accounts.DisposeAsync();

    [Fact]
    public async Task A_patient_registers_confirms_the_email_address_and_only_then_signs_in()
    {
        var code = await _accounts.CodeAsync("r1");

        var done = await _accounts.RegisterAsync("MRN-1", code.ToLowerInvariant().Replace("-", " "), Born, "ada.l");

        Assert.True(done.Status == HttpStatusCode.OK, done.Html);
        Assert.Contains("id=\"register-done\"", done.Html);
        var user = await _accounts.UserAsync("ada.l");
        Assert.Equal("Patient/r1", user!.FhirUser);
        Assert.Equal("ada@example.org", user.Email);
        Assert.False(user.EmailConfirmed);
        Assert.Single(await _accounts.AuditAsync("registration"));

        var refused = await _accounts.SignInAsync("ada.l", SmartHarness.Password);
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("confirm your email address", refused.Html);

        var mail = await _accounts.NewestMailAsync();
        Assert.Equal("ada@example.org", mail.To.Mailboxes.Single().Address);
        var confirm = await _accounts.Smart.Client().GetAsync(AccountHarness.Link(mail));
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Contains("id=\"confirm-done\"", await confirm.Content.ReadAsStringAsync());
        Assert.True((await _accounts.UserAsync("ada.l"))!.EmailConfirmed);
        Assert.Single(await _accounts.AuditAsync("email-confirmed"));

        Assert.Equal(HttpStatusCode.Redirect, (await _accounts.SignInAsync("ada.l", SmartHarness.Password)).Status);
        // The account reaches its own record with a token, as any patient user.
        var token = await _accounts.Smart.StandaloneAsync("ada.l", "openid fhirUser launch/patient patient/Patient.rs");
        Assert.Equal("r1", (string?)token["patient"]);
    }

    [Fact]
    public async Task Forgot_password_for_an_unconfirmed_account_mails_the_confirmation_link_again()
    {
        Assert.Equal(HttpStatusCode.OK, (await _accounts.RegisterAsync("MRN-1", await _accounts.CodeAsync("r1"), Born, "lost.mail")).Status);
        var before = _accounts.MailFiles().Length;

        var asked = await AccountHarness.SubmitAsync(_accounts.Smart.Client(), "auth/forgot-password", new Dictionary<string, string> { ["Identifier"] = "lost.mail" });

        Assert.Equal(HttpStatusCode.OK, asked.Status);
        Assert.Equal(before + 1, _accounts.MailFiles().Length);
        var link = AccountHarness.Link(await _accounts.NewestMailAsync());
        Assert.StartsWith("auth/confirm-email?", link);
        Assert.Equal(HttpStatusCode.OK, (await _accounts.Smart.Client().GetAsync(link)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await _accounts.SignInAsync("lost.mail", SmartHarness.Password)).Status);
    }

    [Fact]
    public async Task A_used_code_cannot_register_again_and_a_patient_gets_only_one_account()
    {
        var code = await _accounts.CodeAsync("r1");
        Assert.Equal(HttpStatusCode.OK, (await _accounts.RegisterAsync("MRN-1", code, Born, "first.account")).Status);

        var reused = await _accounts.ProveAsync("MRN-1", code, Born);
        Assert.Equal(HttpStatusCode.BadRequest, reused.Status);
        Assert.Contains(RegisterModel.Mismatch, reused.Html);

        var second = await _accounts.RegisterAsync("MRN-1", await _accounts.CodeAsync("r1"), Born, "second.account");
        Assert.Equal(HttpStatusCode.BadRequest, second.Status);
        Assert.Contains("already has an account", second.Html);
        Assert.Null(await _accounts.UserAsync("second.account"));
    }

    [Fact]
    public async Task A_code_checked_in_step_one_but_replaced_before_step_two_creates_no_account()
    {
        var browser = _accounts.Smart.Client();
        var proven = await _accounts.ProveAsync("MRN-1", await _accounts.CodeAsync("r1"), Born, browser: browser);
        Assert.Equal(HttpStatusCode.OK, proven.Status);
        await _accounts.CodeAsync("r1");

        var done = await AccountHarness.PostAsync(browser, "auth/register?handler=Account", proven.Inputs,
            new Dictionary<string, string> { ["UserName"] = "late.user", ["Password"] = SmartHarness.Password, ["ConfirmPassword"] = SmartHarness.Password });

        Assert.Equal(HttpStatusCode.BadRequest, done.Status);
        Assert.Contains("no longer valid", done.Html);
        Assert.Null(await _accounts.UserAsync("late.user"));
    }

    [Fact]
    public async Task Wrong_birth_date_another_patients_MRN_unknown_MRN_and_expired_code_all_get_the_same_answer()
    {
        var code = await _accounts.CodeAsync("r1");
        await _accounts.CodeAsync("r2");
        var answers = new List<AccountHarness.PageResponse>
        {
            await _accounts.ProveAsync("MRN-1", code, "1990-05-18"),
            await _accounts.ProveAsync("MRN-2", code, Born),
            await _accounts.ProveAsync("MRN-2", code, "1985-11-30"),
            await _accounts.ProveAsync("MRN-404", code, Born),
            await _accounts.ProveAsync("MRN-1", "0000-0000-0000-0000", Born),
        };
        _accounts.Clock.Advance(TimeSpan.FromDays(30) + TimeSpan.FromMinutes(1));
        answers.Add(await _accounts.ProveAsync("MRN-1", code, Born));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a.Status));
        Assert.All(answers, a => Assert.Contains(RegisterModel.Mismatch, a.Html));
        // Identical pages (but for the antiforgery token): nothing tells an existing MRN from an unknown one.
        Assert.Single(answers.Select(a => a.Comparable).Distinct());
        Assert.Equal(answers.Count, (await _accounts.AuditAsync("registration-failed")).Count);
    }

    [Fact]
    public async Task Too_many_failures_lock_registration_for_that_MRN_for_a_while()
    {
        var code = await _accounts.CodeAsync("r1");
        for (var i = 0; i < 5; i++)
            Assert.Contains(RegisterModel.Mismatch, (await _accounts.ProveAsync("MRN-1", "WRNG-CODE-0000-0000", Born)).Html);

        var locked = await _accounts.ProveAsync("MRN-1", code, Born);
        Assert.Equal(HttpStatusCode.BadRequest, locked.Status);
        Assert.Contains("paused after too many attempts", locked.Html);
        // Other MRNs are not affected.
        Assert.Equal(HttpStatusCode.OK, (await _accounts.ProveAsync("MRN-2", await _accounts.CodeAsync("r2"), "1985-11-30")).Status);

        _accounts.Clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(HttpStatusCode.OK, (await _accounts.ProveAsync("MRN-1", code, Born)).Status);
    }

    [Fact]
    public async Task Parallel_wrong_guesses_are_judged_at_most_five_times()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _accounts.ProveAsync("MRN-1", "WRNG-CODE-0000-0000", Born)));

        Assert.Equal(5, answers.Count(a => a.Html.Contains(RegisterModel.Mismatch)));
        Assert.Equal(15, answers.Count(a => a.Html.Contains("paused after too many attempts")));
    }

    [Fact]
    public async Task An_unknown_MRN_is_locked_exactly_like_a_known_one()
    {
        for (var i = 0; i < 5; i++) await _accounts.ProveAsync("MRN-UNKNOWN", "WRNG-CODE-0000-0000", Born);
        Assert.Contains("paused after too many attempts", (await _accounts.ProveAsync("MRN-UNKNOWN", "WRNG-CODE-0000-0000", Born)).Html);
    }

    [Theory]
    [InlineData("Password123!", "too common")]
    [InlineData("P@ssw0rd-2024", "too common")]
    [InlineData("Ada.Lovelace-99x", "must not contain the user name")]
    [InlineData("Short-1a", "at least 12 characters")]
    [InlineData("no-upper-case-1", "uppercase")]
    public async Task Weak_passwords_are_refused_at_registration(string password, string message)
    {
        var done = await _accounts.RegisterAsync("MRN-1", await _accounts.CodeAsync("r1"), Born, "ada.lovelace", password);

        Assert.Equal(HttpStatusCode.BadRequest, done.Status);
        Assert.Contains(message, WebUtility.HtmlDecode(done.Html));
        Assert.Null(await _accounts.UserAsync("ada.lovelace"));
    }

    [Fact]
    public async Task A_tampered_registration_ticket_sends_the_person_back_to_the_start()
    {
        var browser = _accounts.Smart.Client();
        var proven = await _accounts.ProveAsync("MRN-1", await _accounts.CodeAsync("r1"), Born, browser: browser);
        var form = proven.Inputs;
        form["Ticket"] = form["Ticket"][..^4] + "AAAA";

        var done = await AccountHarness.PostAsync(browser, "auth/register?handler=Account", form,
            new Dictionary<string, string> { ["UserName"] = "forged", ["Password"] = SmartHarness.Password, ["ConfirmPassword"] = SmartHarness.Password });

        Assert.Equal(HttpStatusCode.BadRequest, done.Status);
        Assert.Contains("start again", done.Html);
        Assert.Null(await _accounts.UserAsync("forged"));
    }
}
