using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Tests.Smart;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>
/// The SMART harness with the portal's sign-in policy on (patients need a second factor) and a fake clock, plus the
/// steps a browser takes through the sign-in and account pages, and the mail the server wrote to {data}/mail.
/// </summary>
public sealed partial class SignInHarness : IAsyncDisposable
{
    public const string Password = SmartHarness.Password;
    public const string PatientName = "ada", PatientEmail = "ada@example.org", StaffName = "grace", StaffEmail = "grace@example.org";

    public SmartHarness Smart { get; }
    public FakeTimeProvider Clock { get; }

    private SignInHarness(SmartHarness smart, FakeTimeProvider clock) => (Smart, Clock) = (smart, clock);

    /// <summary>Starts a server with a patient (ada, Patient/p1, confirmed email) and a practitioner (grace, confirmed email).</summary>
    public static async Task<SignInHarness> StartAsync(IDictionary<string, string?>? extra = null, Action<IServiceCollection>? services = null)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = new Dictionary<string, string?> { ["FhirPortal:Auth:Accounts:SignIn:RequireTwoFactorForPatients"] = "true" };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>()) settings[key] = value;
        var smart = await SmartHarness.StartAsync(settings, services: s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            services?.Invoke(s);
        });
        var harness = new SignInHarness(smart, clock);
        await harness.CreateUserAsync(PatientName, PatientEmail, "Patient/p1");
        await harness.CreateUserAsync(StaffName, StaffEmail, "Practitioner/dr1");
        return harness;
    }

    public async Task<PortalUser> CreateUserAsync(string name, string? email, string? fhirUser, bool emailConfirmed = true)
    {
        using var scope = Smart.Host.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = new PortalUser { UserName = name, Email = email, EmailConfirmed = emailConfirmed && email is not null, FhirUser = fhirUser };
        var created = await users.CreateAsync(user, Password);
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
        return user;
    }

    /// <summary>Runs <paramref name="action"/> with the server's UserManager (to inspect or arrange account state).</summary>
    public async Task<T> WithUsersAsync<T>(Func<UserManager<PortalUser>, Task<T>> action)
    {
        using var scope = Smart.Host.Services.CreateScope();
        return await action(scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>());
    }

    public Task<string> UserIdAsync(string name) => WithUsersAsync(async users => (await users.FindByNameAsync(name))!.Id);

    public HttpClient Browser() => Smart.Client();

    /// <summary>Posts the sign-in form (fetched first, for its antiforgery token).</summary>
    public static async Task<HttpResponseMessage> PostPasswordAsync(HttpClient browser, string user, string password, string loginUrl = "auth/login")
    {
        var page = await browser.GetAsync(loginUrl);
        var fields = SmartHarness.Inputs(await page.Content.ReadAsStringAsync());
        fields["Username"] = user;
        fields["Password"] = password;
        return await browser.PostAsync(loginUrl, new FormUrlEncodedContent(fields));
    }

    /// <summary>Fetches a page and posts its form (hidden fields, antiforgery token) with the given fields, to a handler if named.</summary>
    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient browser, string pageUrl, IDictionary<string, string>? fields = null, string? handler = null)
    {
        var page = await browser.GetAsync(pageUrl);
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"{pageUrl}: {page.StatusCode}");
        var form = SmartHarness.Inputs(await page.Content.ReadAsStringAsync());
        foreach (var (name, value) in fields ?? new Dictionary<string, string>()) form[name] = value;
        var target = handler is null ? pageUrl : pageUrl + (pageUrl.Contains('?') ? "&" : "?") + "handler=" + handler;
        return await browser.PostAsync(target, new FormUrlEncodedContent(form));
    }

    /// <summary>Password, then the mailed code: a signed-in browser for a patient (or anyone whose second factor is email).</summary>
    public async Task<HttpClient> SignedInAsync(string user, string password = Password)
    {
        var browser = Browser();
        var posted = await PostPasswordAsync(browser, user, password);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var next = posted.Headers.Location!.OriginalString;
        if (next.StartsWith("/auth/login/two-factor", StringComparison.Ordinal))
        {
            var done = await SubmitAsync(browser, next, new Dictionary<string, string> { ["Code"] = await LatestCodeAsync() });
            Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        }
        return browser;
    }

    public int MailCount => Smart.MailFiles().Length;

    public Task<MimeMessage> LatestMailAsync() => Smart.LatestMailAsync();

    /// <summary>The 6-digit code in the newest sign-in code mail.</summary>
    public async Task<string> LatestCodeAsync()
    {
        var mail = await LatestMailAsync();
        Assert.Equal("Your FhirPortal sign-in code", mail.Subject);
        return SixDigits().Match(mail.TextBody ?? "").Value;
    }

    /// <summary>AuditEvents for a user name (agent altId), newest first, read over the FHIR API.</summary>
    public async Task<List<JsonNode>> AuditEventsAsync(string userName)
    {
        var bundle = JsonNode.Parse(await Smart.Api.GetStringAsync($"fhir/AuditEvent?altid={Uri.EscapeDataString(userName)}&_sort=-date&_count=100"))!;
        return bundle["entry"]?.AsArray().Select(e => e!["resource"]!).ToList() ?? [];
    }

    public static string Subtype(JsonNode audit) => (string)audit["subtype"]![0]!["code"]!;

    /// <summary>An authenticator app: the RFC 6238 code (HMAC-SHA1, 30 s, 6 digits) for a base32 key at a time.</summary>
    public static string Totp(string base32Key, DateTimeOffset at)
    {
        var key = Base32(base32Key);
        var counter = BitConverter.GetBytes(at.ToUnixTimeSeconds() / 30);
        if (BitConverter.IsLittleEndian) Array.Reverse(counter);
        var hash = HMACSHA1.HashData(key, counter);
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6");
    }

    private static byte[] Base32(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = string.Concat(text.ToUpperInvariant().Where(c => c != ' ' && c != '=').Select(c => Convert.ToString(alphabet.IndexOf(c), 2).PadLeft(5, '0')));
        return Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.Substring(i * 8, 8), 2)).ToArray();
    }

    [GeneratedRegex("\\b\\d{6}\\b")]
    private static partial Regex SixDigits();

    public ValueTask DisposeAsync() => Smart.DisposeAsync();
}
