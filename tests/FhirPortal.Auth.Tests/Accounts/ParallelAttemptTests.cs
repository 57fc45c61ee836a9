using FhirPortal.Auth.Accounts.SignIn;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>
/// The account counters hold under parallel requests (each its own scope and database context, as separate requests
/// or instances): texts per hour and entries of a sent code are counted before they are judged, atomically.
/// </summary>
public sealed class ParallelAttemptTests
{
    private const int Parallel = 20;

    [Fact]
    public Task Twenty_parallel_texts_send_exactly_the_hourly_limit() => TextsAsync(null);

    [Fact]
    public Task Twenty_parallel_wrong_codes_judge_exactly_the_attempt_limit_and_void_the_code() => WrongCodesAsync(null);

    [Fact]
    public Task Twenty_parallel_right_codes_are_accepted_once() => RightCodesAsync(null);

    /// <summary>The scenarios take the account database settings, so the PostgreSQL tests run them too.</summary>
    internal static async Task TextsAsync(IDictionary<string, string?>? database)
    {
        await using var inbox = await TextInbox.StartAsync(twilio: true, database);
        var limit = Options(inbox).TextsPerHour;

        var sends = await InParallelAsync(inbox, (services, user) =>
            services.GetRequiredService<AccountTexts>().SendAsync(user, TextInbox.Number, "hello", CancellationToken.None));

        Assert.Equal(limit, sends.Count(s => s.Sent));
        Assert.Equal(limit, inbox.Texts().Count);
        Assert.All(sends.Where(s => !s.Sent), s => Assert.NotNull(s.RetryAt));
    }

    internal static async Task WrongCodesAsync(IDictionary<string, string?>? database)
    {
        var hasher = new CountingHasher();
        await using var inbox = await TextInbox.StartAsync(twilio: false, database, s => s.AddScoped<IPasswordHasher<PortalUser>>(_ => hasher));
        var max = Options(inbox).EmailCodeMaxAttempts;
        var code = await GenerateAsync(inbox);
        var wrong = code == "000000" ? "111111" : "000000";
        hasher.Verified = 0;

        var checks = await InParallelAsync(inbox, async (services, user) =>
        {
            var provider = services.GetRequiredService<TextCodeProvider>();
            await provider.ValidateAsync("TwoFactor", wrong, services.GetRequiredService<UserManager<PortalUser>>(), user);
            return provider.LastCheck;
        });

        Assert.Equal(max, hasher.Verified);
        Assert.Equal(max - 1, checks.Count(c => c == CodeCheck.Wrong));
        Assert.DoesNotContain(CodeCheck.Valid, checks);
        var late = await InParallelAsync(inbox, (services, user) => services.GetRequiredService<TextCodeProvider>()
            .ValidateAsync("TwoFactor", code, services.GetRequiredService<UserManager<PortalUser>>(), user), count: 1);
        Assert.False(Assert.Single(late)); // the right code after the limit: void
    }

    internal static async Task RightCodesAsync(IDictionary<string, string?>? database)
    {
        await using var inbox = await TextInbox.StartAsync(twilio: false, database);
        var code = await GenerateAsync(inbox);

        var valid = await InParallelAsync(inbox, (services, user) => services.GetRequiredService<TextCodeProvider>()
            .ValidateAsync("TwoFactor", code, services.GetRequiredService<UserManager<PortalUser>>(), user));

        Assert.Equal(1, valid.Count(v => v));
    }

    private static Auth.Accounts.SignIn.SignInOptions Options(TextInbox inbox) =>
        inbox.Accounts.Smart.Host.Services.GetRequiredService<IOptions<Auth.Accounts.SignIn.SignInOptions>>().Value;

    private static async Task<string> GenerateAsync(TextInbox inbox)
    {
        using var scope = inbox.Accounts.Smart.Host.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = (await users.FindByNameAsync(SignInHarness.PatientName))!;
        return await scope.ServiceProvider.GetRequiredService<TextCodeProvider>().GenerateAsync("TwoFactor", users, user);
    }

    /// <summary>Runs <paramref name="attempt"/> <paramref name="count"/> times at once, each in its own scope (a request of its own).</summary>
    private static async Task<T[]> InParallelAsync<T>(TextInbox inbox, Func<IServiceProvider, PortalUser, Task<T>> attempt, int count = Parallel)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, count).Select(async _ =>
        {
            using var scope = inbox.Accounts.Smart.Host.Services.CreateScope();
            var user = (await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByNameAsync(SignInHarness.PatientName))!;
            await start.Task;
            return await attempt(scope.ServiceProvider, user);
        }).ToList();
        start.SetResult();
        return await Task.WhenAll(tasks);
    }

    /// <summary>Identity's hasher, counting how many entered codes were actually checked.</summary>
    private sealed class CountingHasher : IPasswordHasher<PortalUser>
    {
        private readonly PasswordHasher<PortalUser> _inner = new();
        public int Verified;

        public string HashPassword(PortalUser user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(PortalUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref Verified);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}
