using System.Net;
using System.Text.RegularExpressions;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>The sign-in page: enumeration-proof failures, sign-in by email, unconfirmed accounts, auditing and local-only redirects.</summary>
public sealed partial class SignInTests
{
    [Fact]
    public async Task Unknown_user_and_wrong_password_get_identical_responses()
    {
        await using var accounts = await SignInHarness.StartAsync();
        var unknown = await SignInHarness.PostPasswordAsync(accounts.Browser(), "nobody-here", "Not-the-password-9");
        var wrong = await SignInHarness.PostPasswordAsync(accounts.Browser(), SignInHarness.StaffName, "Not-the-password-9");

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(unknown.StatusCode, wrong.StatusCode);
        // Same page apart from the echoed user name and the per-request antiforgery token.
        string Normalise(string html, string name) => Antiforgery().Replace(html, "TOKEN").Replace($"value=\"{name}\"", "value=\"NAME\"");
        Assert.Equal(Normalise(await unknown.Content.ReadAsStringAsync(), "nobody-here"), Normalise(await wrong.Content.ReadAsStringAsync(), SignInHarness.StaffName));
        Assert.Equal(unknown.Headers.Select(h => h.Key).Order(), wrong.Headers.Select(h => h.Key).Order());
        Assert.Contains("The user name or password is not right.", await wrong.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Sign_in_accepts_the_email_address_as_the_name()
    {
        await using var accounts = await SignInHarness.StartAsync();
        var posted = await SignInHarness.PostPasswordAsync(accounts.Browser(), SignInHarness.StaffEmail, SignInHarness.Password);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
    }

    [Fact]
    public async Task Successes_and_failures_are_audited_with_address_and_user_agent()
    {
        await using var accounts = await SignInHarness.StartAsync();
        var browser = accounts.Browser();
        browser.DefaultRequestHeaders.UserAgent.ParseAdd("SignInTest/1.0");
        await SignInHarness.PostPasswordAsync(browser, SignInHarness.StaffName, "Not-the-password-9");
        await SignInHarness.PostPasswordAsync(browser, SignInHarness.StaffName, SignInHarness.Password);
        await SignInHarness.PostPasswordAsync(browser, "nobody-here", "Not-the-password-9");

        var audit = await accounts.AuditEventsAsync(SignInHarness.StaffName);
        var failure = Assert.Single(audit, a => (string?)a["outcome"] == "4");
        var success = Assert.Single(audit, a => (string?)a["outcome"] == "0");
        foreach (var a in new[] { failure, success })
        {
            Assert.Equal("110114", (string?)a["type"]!["code"]);
            Assert.Equal("SignInTest/1.0", (string?)a["entity"]![0]!["detail"]![0]!["valueString"]);
            Assert.Equal("Practitioner/dr1", (string?)a["agent"]![0]!["who"]!["reference"]);
        }
        Assert.Single(await accounts.AuditEventsAsync("nobody-here"));
    }

    [Fact]
    public async Task An_unconfirmed_account_is_told_to_confirm_only_when_the_password_is_right()
    {
        await using var accounts = await SignInHarness.StartAsync(services: s => s.Configure<IdentityOptions>(o => o.SignIn.RequireConfirmedEmail = true));
        await accounts.CreateUserAsync("newbie", "newbie@example.org", null, emailConfirmed: false);
        var right = await SignInHarness.PostPasswordAsync(accounts.Browser(), "newbie", SignInHarness.Password);
        Assert.Equal(HttpStatusCode.BadRequest, right.StatusCode);
        Assert.Contains("confirm your email address", await right.Content.ReadAsStringAsync());
        var wrong = await SignInHarness.PostPasswordAsync(accounts.Browser(), "newbie", "Not-the-password-9");
        Assert.Contains("The user name or password is not right.", await wrong.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("https://evil.example/steal")]
    [InlineData("//evil.example/steal")]
    public async Task Sign_in_never_redirects_off_site(string returnUrl)
    {
        await using var accounts = await SignInHarness.StartAsync();
        var posted = await SignInHarness.PostPasswordAsync(accounts.Browser(), SignInHarness.StaffName, SignInHarness.Password,
            "auth/login?ReturnUrl=" + Uri.EscapeDataString(returnUrl));
        Assert.Equal("/auth/account", posted.Headers.Location!.OriginalString);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"[^\"]*\"")]
    private static partial Regex Antiforgery();
}
