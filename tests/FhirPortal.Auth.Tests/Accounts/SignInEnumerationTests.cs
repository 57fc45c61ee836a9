using System.Net;
using System.Text.RegularExpressions;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>
/// The sign-in page does not tell whether an account exists: an unknown name answers exactly like a locked or throttled
/// real one, and every attempt runs one password hash (counted through the hasher, not timed).
/// </summary>
public sealed partial class SignInEnumerationTests
{
    private const string Wrong = "Not-the-password-9", Unknown = "nobody-here";

    /// <summary>Identity's hasher, counting verifications.</summary>
    private sealed class CountingHasher : IPasswordHasher<PortalUser>
    {
        private readonly PasswordHasher<PortalUser> _inner = new();
        private int _verifications;
        public int Verifications => Volatile.Read(ref _verifications);
        public string HashPassword(PortalUser user, string password) => _inner.HashPassword(user, password);
        public PasswordVerificationResult VerifyHashedPassword(PortalUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verifications);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    private static async Task<(HttpStatusCode Status, string Error, string? RetryAfter)> AnswerAsync(HttpResponseMessage response)
    {
        var error = ErrorBlock().Match(await response.Content.ReadAsStringAsync()).Value;
        return (response.StatusCode, error, response.Headers.RetryAfter?.ToString());
    }

    [Fact]
    public async Task Unknown_name_and_locked_account_answer_identically()
    {
        await using var accounts = await SignInHarness.StartAsync();
        await accounts.WithUsersAsync(async users =>
            await users.SetLockoutEndDateAsync((await users.FindByNameAsync(SignInHarness.StaffName))!, accounts.Clock.GetUtcNow().AddMinutes(15)));

        var locked = await AnswerAsync(await SignInHarness.PostPasswordAsync(accounts.Browser(), SignInHarness.StaffName, Wrong));
        var unknown = await AnswerAsync(await SignInHarness.PostPasswordAsync(accounts.Browser(), Unknown, Wrong));
        Assert.Equal(HttpStatusCode.BadRequest, locked.Status);
        Assert.Contains("not right", locked.Error);
        Assert.Equal(unknown, locked);
    }

    [Fact]
    public async Task Unknown_name_and_real_account_are_throttled_identically()
    {
        await using var accounts = await SignInHarness.StartAsync();
        var real = new List<(HttpStatusCode, string, string?)>();
        var unknown = new List<(HttpStatusCode, string, string?)>();
        for (var i = 0; i < 7; i++)
        {
            real.Add(await AnswerAsync(await SignInHarness.PostPasswordAsync(accounts.Browser(), SignInHarness.StaffName, Wrong)));
            unknown.Add(await AnswerAsync(await SignInHarness.PostPasswordAsync(accounts.Browser(), Unknown, Wrong)));
        }
        Assert.Equal(unknown, real);
        Assert.Equal(HttpStatusCode.TooManyRequests, real[^1].Item1);
    }

    [Fact]
    public async Task Every_attempt_runs_one_password_hash_known_unknown_locked_or_throttled()
    {
        var hasher = new CountingHasher();
        await using var accounts = await SignInHarness.StartAsync(services: s => s.AddSingleton<IPasswordHasher<PortalUser>>(hasher));
        await accounts.WithUsersAsync(async users =>
            await users.SetLockoutEndDateAsync((await users.FindByNameAsync(SignInHarness.PatientName))!, accounts.Clock.GetUtcNow().AddMinutes(15)));

        async Task HashesOnceAsync(string name, string password)
        {
            var browser = accounts.Browser();
            var before = hasher.Verifications;
            await SignInHarness.PostPasswordAsync(browser, name, password);
            Assert.Equal(before + 1, hasher.Verifications);
        }
        await HashesOnceAsync(SignInHarness.StaffName, Wrong);
        await HashesOnceAsync(Unknown, Wrong);
        await HashesOnceAsync(SignInHarness.PatientName, Wrong); // locked
        await HashesOnceAsync(SignInHarness.PatientName, SignInHarness.Password); // locked, right password
        for (var i = 0; i < 6; i++) await HashesOnceAsync(Unknown, Wrong); // the last ones are throttled
    }

    [Fact]
    public async Task One_address_trying_many_names_is_slowed_too()
    {
        await using var accounts = await SignInHarness.StartAsync();
        for (var i = 0; i < 19; i++)
            Assert.Equal(HttpStatusCode.BadRequest, (await SignInHarness.PostPasswordAsync(accounts.Browser(), $"guess-{i}", Wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInHarness.PostPasswordAsync(accounts.Browser(), "guess-19", Wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInHarness.PostPasswordAsync(accounts.Browser(), SignInHarness.StaffName, SignInHarness.Password)).StatusCode);
    }

    [GeneratedRegex("<div class=\"error\".*?</div>", RegexOptions.Singleline)]
    private static partial Regex ErrorBlock();
}
