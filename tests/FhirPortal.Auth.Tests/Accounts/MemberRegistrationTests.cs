using System.Net;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Pages;
using FhirPortal.Auth.Tests.Smart;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>
/// Registration with a health-plan member card (member ID with SSN digits, group number, name, birth date) instead of
/// an MRN and activation code: an active Coverage's beneficiary gets the account; every mismatch answers the same.
/// </summary>
public sealed class MemberRegistrationTests : IAsyncLifetime
{
    private const string Born = "1990-05-17";
    private const string MemberId = "123451234";
    private const string Group = "MCHS-7700";
    private AccountHarness _accounts = null!;

    public async Task InitializeAsync()
    {
        _accounts = await AccountHarness.StartAsync();
        await _accounts.PatientAsync("m1", "MRN-M1", Born);
        await _accounts.CoverageAsync("cov-m1", "m1", MemberId, Group);
        await _accounts.PatientAsync("m2", "MRN-M2", "1985-11-30", family: "Turing");
        await _accounts.CoverageAsync("cov-m2", "m2", "999990001", Group, status: "cancelled");
        await _accounts.PatientAsync("m3", "MRN-M3", "1970-01-01", family: "Hopper");
        var lastYear = DateTime.UtcNow.Year - 1;
        await _accounts.CoverageAsync("cov-m3", "m3", "555550002", Group, start: "2015-01-01", end: $"{lastYear}-12-31");
        await _accounts.PatientAsync("m4", "MRN-M4", "1975-03-03", family: "Curie");
        await _accounts.CoverageAsync("cov-m4", "m4", "777770004", Group, start: $"{DateTime.UtcNow.Year + 1}-01-01");
    }

    public async Task DisposeAsync() => await _accounts.DisposeAsync();

    [Fact]
    public async Task A_member_registers_with_the_card_and_the_account_is_the_beneficiary_patient()
    {
        var browser = _accounts.Smart.Client();
        var proven = await _accounts.ProveMemberAsync(MemberId, Group.ToLowerInvariant(), "ada lovelace", Born, browser);
        Assert.True(proven.Status == HttpStatusCode.OK, proven.Html);
        Assert.DoesNotContain(MemberId, proven.Html);

        var done = await AccountHarness.PostAsync(browser, "auth/register?handler=Account", proven.Inputs,
            new Dictionary<string, string> { ["UserName"] = "ada.member", ["Password"] = SmartHarness.Password, ["ConfirmPassword"] = SmartHarness.Password });

        Assert.True(done.Status == HttpStatusCode.OK, done.Html);
        var user = await _accounts.UserAsync("ada.member");
        Assert.Equal("Patient/m1", user!.FhirUser);
        Assert.Equal("member@example.org", user.Email);
        var registered = Assert.Single(await _accounts.AuditAsync("registration"));
        Assert.Contains("member card", registered);
        // Like any new account: no sign-in before the email address is confirmed.
        Assert.Equal(HttpStatusCode.BadRequest, (await _accounts.SignInAsync("ada.member", SmartHarness.Password)).Status);
        var otherBrowser = _accounts.Smart.Client();
        var again = await _accounts.ProveMemberAsync(MemberId, Group, "Ada Lovelace", Born, otherBrowser);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        var second = await AccountHarness.PostAsync(otherBrowser, "auth/register?handler=Account", again.Inputs,
            new Dictionary<string, string> { ["UserName"] = "ada.again", ["Password"] = SmartHarness.Password, ["ConfirmPassword"] = SmartHarness.Password });
        Assert.Contains("already has an account", second.Html);
        Assert.Null(await _accounts.UserAsync("ada.again"));
    }

    [Fact]
    public async Task Unknown_member_wrong_group_inactive_or_expired_coverage_and_name_or_birth_date_mismatch_all_get_the_same_answer()
    {
        var answers = new List<AccountHarness.PageResponse>
        {
            await _accounts.ProveMemberAsync("000001234", Group, "Ada Lovelace", Born),          // unknown member ID
            await _accounts.ProveMemberAsync(MemberId, "MCHS-9999", "Ada Lovelace", Born),       // wrong group
            await _accounts.ProveMemberAsync("999990001", Group, "Ada Turing", "1985-11-30"),     // cancelled coverage
            await _accounts.ProveMemberAsync("555550002", Group, "Ada Hopper", "1970-01-01"),     // coverage ended last year
            await _accounts.ProveMemberAsync("777770004", Group, "Ada Curie", "1975-03-03"),      // coverage starts next year
            await _accounts.ProveMemberAsync(MemberId, Group, "Ada Byron", Born),                // another name
            await _accounts.ProveMemberAsync(MemberId, Group, "Ada Lovelace", "1990-05-18"),     // another birth date
            await _accounts.ProveMemberAsync("999990001", Group, "Ada Lovelace", Born),          // another member's ID
        };

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a.Status));
        Assert.All(answers, a => Assert.Contains(WebUtilityDecode(RegisterModel.MemberMismatch), WebUtilityDecode(a.Html)));
        Assert.Single(answers.Select(a => a.Comparable).Distinct());
        var audited = await _accounts.AuditAsync("registration-failed");
        Assert.Equal(answers.Count, audited.Count);
        // The member ID carries SSN digits: neither the audit nor the account database keeps it.
        foreach (var id in new[] { "000001234", MemberId, "999990001", "555550002", "777770004" })
        {
            Assert.All(audited, a => Assert.DoesNotContain(id, a));
            Assert.All(await ThrottleKeysAsync(), k => Assert.DoesNotContain(id, k));
        }
    }

    [Fact]
    public async Task Too_many_failures_lock_member_registration_for_that_group_and_birth_date()
    {
        for (var i = 0; i < 5; i++)
            Assert.Contains("do not match an active health-plan membership", (await _accounts.ProveMemberAsync($"0000{i}1234", Group, "Ada Lovelace", Born)).Html);

        var locked = await _accounts.ProveMemberAsync(MemberId, Group, "Ada Lovelace", Born);
        Assert.Equal(HttpStatusCode.BadRequest, locked.Status);
        Assert.Contains("paused after too many attempts", locked.Html);
        Assert.Contains(await _accounts.AuditAsync("registration-failed"), a => a.Contains("locked after too many failures"));
        // Another member of the group is not affected.
        var other = await _accounts.ProveMemberAsync("999990001", Group, "Ada Turing", "1985-11-30");
        Assert.Contains("do not match an active health-plan membership", other.Html);

        _accounts.Clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(HttpStatusCode.OK, (await _accounts.ProveMemberAsync(MemberId, Group, "Ada Lovelace", Born)).Status);
    }

    [Theory]
    // The subscriber's card (member ID, group) with a dependent's name and birth date but no dependent number: not theirs.
    [InlineData("Ada Byron", "2010-02-02", "", false)]
    [InlineData("Ada Byron", "2010-02-02", "-02", false)]
    [InlineData("Ada Byron", "2010-02-02", "-01", true)]
    [InlineData("Ada Byron", "2010-02-02", " 01", true)]
    // The typed name must be the name, not merely contain it.
    [InlineData("Ada Byron Babbage", "2010-02-02", "-01", false)]
    [InlineData("Ada Babbage", "1960-01-01", "", true)]
    [InlineData("Ada Babbage", "1960-01-01", "-01", false)]
    [InlineData("Smith Ada Babbage", "1960-01-01", "", false)]
    public async Task A_family_card_registers_a_dependent_only_with_the_dependent_number_and_the_exact_name(string name, string born, string dependent, bool matches)
    {
        await _accounts.PatientAsync("sub", "MRN-SUB", "1960-01-01", family: "Babbage");
        await _accounts.CoverageAsync("cov-sub", "sub", "222221111", "FAM-1", subscriber: "sub", dependent: "00");
        await _accounts.PatientAsync("dep", "MRN-DEP", "2010-02-02", family: "Byron");
        await _accounts.CoverageAsync("cov-dep", "dep", "222221111", "FAM-1", subscriber: "sub", dependent: "01");

        var answer = await _accounts.ProveMemberAsync("222221111", "FAM-1", name, born, dependent: dependent);

        Assert.Equal(matches ? HttpStatusCode.OK : HttpStatusCode.BadRequest, answer.Status);
        if (!matches) Assert.Contains(WebUtilityDecode(RegisterModel.MemberMismatch), WebUtilityDecode(answer.Html));
    }

    [Fact]
    public async Task The_member_form_explains_the_social_security_digits()
    {
        var html = await (await _accounts.Smart.Client().GetAsync("auth/register")).Content.ReadAsStringAsync();
        Assert.Contains("first five digits of your Social Security number", html);
        Assert.Contains("never store it", html);
    }

    private async Task<List<string>> ThrottleKeysAsync()
    {
        using var scope = _accounts.Smart.Host.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<AuthDbContext>().RegistrationThrottles.Select(t => t.Mrn).ToListAsync();
    }

    private static string WebUtilityDecode(string html) => WebUtility.HtmlDecode(html);
}
