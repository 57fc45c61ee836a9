using System.Text;
using System.Text.RegularExpressions;
using FhirPortal.Server.Tests.Notifications;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>
/// The texts the server sent: the requests to a <see cref="FakeTwilio"/> when the harness has one, else the files in
/// {data}/sms (To, From, blank line, text). Starts the harness with the Twilio settings pointing at the fake.
/// </summary>
public sealed partial class TextInbox : IAsyncDisposable
{
    public const string Sid = "AC00000000000000000000000000000027", Token = "test-auth-token", From = "+15005550006";

    /// <summary>A valid US number (libphonenumber's example number) as people type it, and its E.164 form.</summary>
    public const string Typed = "(201) 555-0123", Number = "+12015550123";

    public SignInHarness Accounts { get; }
    public FakeTwilio? Twilio { get; }

    private TextInbox(SignInHarness accounts, FakeTwilio? twilio) => (Accounts, Twilio) = (accounts, twilio);

    public static async Task<TextInbox> StartAsync(bool twilio, IDictionary<string, string?>? extra = null, Action<IServiceCollection>? services = null)
    {
        var fake = twilio ? new FakeTwilio() : null;
        var settings = new Dictionary<string, string?>(extra ?? new Dictionary<string, string?>());
        if (fake is not null)
        {
            settings["FhirPortal:Notifications:Sms:Twilio:AccountSid"] = Sid;
            settings["FhirPortal:Notifications:Sms:Twilio:AuthToken"] = Token;
            settings["FhirPortal:Notifications:Sms:Twilio:From"] = From;
            settings["FhirPortal:Notifications:Sms:Twilio:ApiBaseUrl"] = fake.BaseUrl;
        }
        return new TextInbox(await SignInHarness.StartAsync(settings, services), fake);
    }

    /// <summary>Every text so far, oldest first: (To, Body).</summary>
    public List<(string To, string Body)> Texts()
    {
        if (Twilio is not null)
            lock (Twilio.Requests) return Twilio.Requests.Select(r => (r.Form["To"]!, r.Form["Body"]!)).ToList();
        var folder = Path.Combine(Accounts.Smart.DataDirectory, "sms");
        if (!Directory.Exists(folder)) return [];
        // Note: file names start with the (fake, frozen) clock's time, so the write time orders them.
        return Directory.GetFiles(folder, "*.txt").OrderBy(File.GetLastWriteTimeUtc).ThenBy(f => f, StringComparer.Ordinal)
            .Select(f => File.ReadAllText(f).Split("\n\n", 2))
            .Select(parts => (parts[0].Split('\n')[0]["To: ".Length..], parts[1].TrimEnd('\n'))).ToList();
    }

    /// <summary>The 6-digit code in the newest text, after checking it went to <paramref name="to"/>.</summary>
    public string LatestCode(string to = Number)
    {
        var (sentTo, body) = Texts().Last();
        Assert.Equal(to, sentTo);
        return SixDigits().Match(body).Value;
    }

    /// <summary>Verifies <see cref="Number"/> on the signed-in browser's account through the phone page.</summary>
    public async Task VerifyNumberAsync(HttpClient browser)
    {
        var sent = await SignInHarness.SubmitAsync(browser, "auth/account/phone", new Dictionary<string, string> { ["PhoneNumber"] = Typed }, "Send");
        Assert.Equal(System.Net.HttpStatusCode.OK, sent.StatusCode);
        var verified = await SignInHarness.SubmitAsync(browser, "auth/account/phone",
            new Dictionary<string, string> { ["PendingNumber"] = Number, ["Code"] = LatestCode() }, "Verify");
        Assert.Contains("Your mobile number is verified.", await verified.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Arranges <see cref="Number"/> on the account directly (verified through Identity's change-number token, or just
    /// set and left unverified) and makes texts the chosen code channel.
    /// </summary>
    public Task ArrangeNumberAsync(string name, bool verified = true) => Accounts.WithUsersAsync(async users =>
    {
        var user = (await users.FindByNameAsync(name))!;
        var result = verified
            ? await users.ChangePhoneNumberAsync(user, Number, await users.GenerateChangePhoneNumberTokenAsync(user, Number))
            : await users.SetPhoneNumberAsync(user, Number);
        Assert.True(result.Succeeded);
        await users.SetAuthenticationTokenAsync(user, "FhirPortal", "SignInCodeChannel", "text");
        return true;
    });

    /// <summary>The account's Identity phone fields.</summary>
    public Task<(string? Number, bool Confirmed)> PhoneOfAsync(string name) =>
        Accounts.WithUsersAsync(async users => (await users.FindByNameAsync(name)) is { } u ? (u.PhoneNumber, u.PhoneNumberConfirmed) : (null, false));

    public static string BasicAuth => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Sid}:{Token}"));

    [GeneratedRegex("\\b\\d{6}\\b")]
    private static partial Regex SixDigits();

    public async ValueTask DisposeAsync()
    {
        await Accounts.DisposeAsync();
        Twilio?.Dispose();
    }
}
