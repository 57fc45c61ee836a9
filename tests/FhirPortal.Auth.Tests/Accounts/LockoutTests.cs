using System.Net;
using System.Net.Http.Json;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>Throttling and lockout after repeated failures (passwords and codes), their expiry on the clock, and the admin unlock API.</summary>
public sealed class LockoutTests
{
    private static async Task<HttpResponseMessage> WrongPasswordsAsync(HttpClient browser, string user, int times)
    {
        HttpResponseMessage last = null!;
        for (var i = 0; i < times; i++) last = await SignInHarness.PostPasswordAsync(browser, user, "Not-the-password-9");
        return last;
    }

    [Fact]
    public async Task Past_five_wrong_passwords_each_attempt_waits_twice_as_long_and_the_account_is_not_locked()
    {
        await using var accounts = await SignInHarness.StartAsync();
        var browser = accounts.Browser();
        var fourth = await WrongPasswordsAsync(browser, SignInHarness.StaffName, 4);
        Assert.Equal(HttpStatusCode.BadRequest, fourth.StatusCode);
        Assert.Contains("The user name or password is not right.", await fourth.Content.ReadAsStringAsync());

        var fifth = await SignInHarness.PostPasswordAsync(browser, SignInHarness.StaffName, "Not-the-password-9");
        Assert.Equal(HttpStatusCode.TooManyRequests, fifth.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), fifth.Headers.RetryAfter?.Delta);
        var html = await fifth.Content.ReadAsStringAsync();
        Assert.Contains("Too many failed attempts: wait 2 seconds", html);
        Assert.Contains("href=\"/auth/forgot-password\"", html);
        Assert.DoesNotContain("locked", html);

        // While waiting, even the right password is not heard.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInHarness.PostPasswordAsync(browser, SignInHarness.StaffName, SignInHarness.Password)).StatusCode);
        foreach (var seconds in new[] { 4, 8, 16 })
        {
            accounts.Clock.Advance(TimeSpan.FromSeconds(seconds / 2));
            var wrong = await SignInHarness.PostPasswordAsync(browser, SignInHarness.StaffName, "Not-the-password-9");
            Assert.Equal(TimeSpan.FromSeconds(seconds), wrong.Headers.RetryAfter?.Delta);
        }
        accounts.Clock.Advance(TimeSpan.FromSeconds(16));
        Assert.Equal(HttpStatusCode.Redirect, (await SignInHarness.PostPasswordAsync(browser, SignInHarness.StaffName, SignInHarness.Password)).StatusCode);

        var audit = await accounts.AuditEventsAsync(SignInHarness.StaffName);
        Assert.DoesNotContain(audit, a => SignInHarness.Subtype(a) == "lockout");
        Assert.Equal(9, audit.Count(a => SignInHarness.Subtype(a) == "110122" && (string?)a["outcome"] == "4"));
        Assert.Single(audit, a => SignInHarness.Subtype(a) == "110122" && (string?)a["outcome"] == "0");
    }

    [Fact]
    public async Task Twenty_failures_lock_the_account_which_only_the_right_password_is_told()
    {
        await using var accounts = await SignInHarness.StartAsync(new Dictionary<string, string?> { ["FhirPortal:Auth:Accounts:SignIn:Lockout:Duration"] = "01:00:00" });
        for (var i = 0; i < 20; i++)
        {
            accounts.Clock.Advance(TimeSpan.FromMinutes(15)); // the throttle's longest wait
            var wrong = await SignInHarness.PostPasswordAsync(accounts.Browser(), SignInHarness.StaffName, "Not-the-password-9");
            Assert.DoesNotContain("locked", await wrong.Content.ReadAsStringAsync());
        }
        accounts.Clock.Advance(TimeSpan.FromMinutes(15));
        var right = await SignInHarness.PostPasswordAsync(accounts.Browser(), SignInHarness.StaffName, SignInHarness.Password);
        Assert.Equal(HttpStatusCode.BadRequest, right.StatusCode);
        var html = await right.Content.ReadAsStringAsync();
        Assert.Contains($"This account is locked until {accounts.Clock.GetUtcNow().AddMinutes(45):yyyy-MM-dd HH:mm} UTC", html);
        Assert.Contains("contact your portal administrator", html);
        accounts.Clock.Advance(TimeSpan.FromMinutes(45) + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Redirect, (await SignInHarness.PostPasswordAsync(accounts.Browser(), SignInHarness.StaffName, SignInHarness.Password)).StatusCode);
        Assert.Single(await accounts.AuditEventsAsync(SignInHarness.StaffName), a => SignInHarness.Subtype(a) == "lockout");
    }

    [Fact]
    public async Task Lockout_attempts_and_duration_are_configurable()
    {
        await using var accounts = await SignInHarness.StartAsync(new Dictionary<string, string?>
        {
            ["FhirPortal:Auth:Accounts:SignIn:Lockout:MaxFailedAttempts"] = "3",
            ["FhirPortal:Auth:Accounts:SignIn:Lockout:Duration"] = "00:02:00",
        });
        var browser = accounts.Browser();
        var third = await WrongPasswordsAsync(browser, SignInHarness.StaffName, 3);
        Assert.Contains("The user name or password is not right.", await third.Content.ReadAsStringAsync());
        Assert.Contains("This account is locked", await (await SignInHarness.PostPasswordAsync(browser, SignInHarness.StaffName, SignInHarness.Password)).Content.ReadAsStringAsync());
        accounts.Clock.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Redirect, (await SignInHarness.PostPasswordAsync(browser, SignInHarness.StaffName, SignInHarness.Password)).StatusCode);
    }

    [Fact]
    public async Task Wrong_one_time_codes_count_towards_lockout()
    {
        await using var accounts = await SignInHarness.StartAsync(new Dictionary<string, string?> { ["FhirPortal:Auth:Accounts:SignIn:Lockout:MaxFailedAttempts"] = "5" });
        var browser = accounts.Browser();
        var posted = await SignInHarness.PostPasswordAsync(browser, SignInHarness.PatientName, SignInHarness.Password);
        var twoFactor = posted.Headers.Location!.OriginalString;
        var code = await accounts.LatestCodeAsync();
        var wrong = code == "000000" ? "111111" : "000000";
        for (var i = 0; i < 4; i++) await SignInHarness.SubmitAsync(browser, twoFactor, new Dictionary<string, string> { ["Code"] = wrong });
        var fifth = await SignInHarness.SubmitAsync(browser, twoFactor, new Dictionary<string, string> { ["Code"] = wrong });
        Assert.Equal(HttpStatusCode.BadRequest, fifth.StatusCode);
        Assert.Contains("This account is locked until", await fifth.Content.ReadAsStringAsync());
        // The password no longer gets past the first step either.
        var again = await SignInHarness.PostPasswordAsync(accounts.Browser(), SignInHarness.PatientName, SignInHarness.Password);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        // A code tried while locked is refused too, and the lockout is recorded once.
        var whileLocked = await SignInHarness.SubmitAsync(browser, twoFactor, new Dictionary<string, string> { ["Code"] = code });
        Assert.Equal(HttpStatusCode.BadRequest, whileLocked.StatusCode);
        Assert.Single(await accounts.AuditEventsAsync(SignInHarness.PatientName), a => SignInHarness.Subtype(a) == "lockout");
    }

    [Fact]
    public async Task An_admin_unlocks_a_locked_account_and_others_cannot()
    {
        await using var accounts = await SignInHarness.StartAsync(new Dictionary<string, string?> { ["FhirPortal:Auth:Accounts:SignIn:Lockout:MaxFailedAttempts"] = "5" });
        await WrongPasswordsAsync(accounts.Browser(), SignInHarness.StaffName, 5);
        var id = await accounts.UserIdAsync(SignInHarness.StaffName);

        Assert.Equal(HttpStatusCode.Unauthorized, (await accounts.Browser().PostAsync($"auth/admin/users/{id}/unlock", null)).StatusCode);
        var patient = await accounts.SignedInAsync(SignInHarness.PatientName);
        Assert.Equal(HttpStatusCode.Forbidden, (await patient.PostAsync($"auth/admin/users/{id}/unlock", null)).StatusCode);

        var admin = await accounts.SignedInAsync("admin");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("auth/admin/users/no-such-user/unlock", null)).StatusCode);
        var unlocked = await admin.PostAsync($"auth/admin/users/{id}/unlock", null);
        Assert.Equal(HttpStatusCode.OK, unlocked.StatusCode);
        var body = await unlocked.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>();
        Assert.True((bool?)body!["wasLockedOut"]);

        accounts.Clock.Advance(TimeSpan.FromSeconds(2)); // the throttle's wait after five failures
        var signIn = await SignInHarness.PostPasswordAsync(accounts.Browser(), SignInHarness.StaffName, SignInHarness.Password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var audit = await accounts.AuditEventsAsync("admin");
        Assert.Contains(audit, a => SignInHarness.Subtype(a) == "unlocked" && (string?)a["entity"]?[0]?["what"]?["reference"] == "Practitioner/dr1");
    }
}
