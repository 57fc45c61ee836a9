using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FhirPortal.Auth.Data;
using FhirPortal.Core;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Auth.Tests.Smart;
using FhirPortal.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>
/// The SMART harness with access control on and a movable clock, plus what the account tests share: patients with an
/// MRN, issuing activation codes over FHIR, filling in the account pages, and reading the newest mail.
/// </summary>
public sealed partial class AccountHarness : IAsyncDisposable
{
    public const string MrnSystem = "http://hospital.example.org/mrn";
    public SmartHarness Smart { get; }
    public FakeTimeProvider Clock { get; }

    private AccountHarness(SmartHarness smart, FakeTimeProvider clock) => (Smart, Clock) = (smart, clock);

    public static async Task<AccountHarness> StartAsync(IDictionary<string, string?>? extra = null)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = new Dictionary<string, string?> { ["FhirPortal:Security:Enabled"] = "true" };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>()) settings[key] = value;
        var smart = await SmartHarness.StartAsync(settings, services: s => s.AddSingleton<TimeProvider>(clock));
        return new AccountHarness(smart, clock);
    }

    /// <summary>Stores a Patient with an MRN (typed v2-0203 MR, as portal-patient recognises it) and a birth date.</summary>
    public async Task PatientAsync(string id, string mrn, string birthDate, string family = "Lovelace")
    {
        using var scope = Smart.Host.Services.CreateScope();
        var services = scope.ServiceProvider;
        using var _ = services.GetRequiredService<CallerContext>().Use(Caller.Server);
        var json = $$"""
            {"resourceType":"Patient","id":"{{id}}","birthDate":"{{birthDate}}","name":[{"given":["Ada"],"family":"{{family}}"}],
             "identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"{{MrnSystem}}","value":"{{mrn}}"},
                           {"system":"http://hl7.org/fhir/sid/us-ssn","value":"999-{{mrn}}"}]}
            """;
        var resource = services.GetRequiredService<FhirParser>().ParseJson(Encoding.UTF8.GetBytes(json));
        await services.GetRequiredService<UpdateInteraction>().UpdateAsync(new ResourceKey("Patient", id), resource, null, CancellationToken.None);
    }

    private string? _staffToken;

    /// <summary>A practitioner's access token that may update patients (user/Patient.u).</summary>
    public async Task<string> StaffTokenAsync() =>
        _staffToken ??= (string)(await Smart.StandaloneAsync(SmartHarness.PractitionerUser, "openid fhirUser user/Patient.rus"))["access_token"]!;

    public HttpClient Fhir(string token)
    {
        var client = Smart.Client();
        client.DefaultRequestHeaders.Accept.ParseAdd("application/fhir+json");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>POST Patient/{id}/$activation-code with a token; the response and its parsed body.</summary>
    public async Task<(HttpStatusCode Status, JsonObject Body)> IssueAsync(string patientId, string? token = null)
    {
        var response = await Fhir(token ?? await StaffTokenAsync()).PostAsync($"fhir/Patient/{patientId}/$activation-code", null);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    /// <summary>Issues a code as staff and returns it.</summary>
    public async Task<string> CodeAsync(string patientId)
    {
        var (status, body) = await IssueAsync(patientId);
        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        return (string)body["parameter"]!.AsArray().Single(p => (string?)p!["name"] == "code")!["valueString"]!;
    }

    public sealed record PageResponse(HttpStatusCode Status, string Html)
    {
        /// <summary>The page without input values (the antiforgery token differs every time; typed values are echoed), to compare answers.</summary>
        public string Comparable => Regex.Replace(Html, "value=\"[^\"]*\"", "");
        public Dictionary<string, string> Inputs => SmartHarness.Inputs(Html);
    }

    /// <summary>Loads a page, fills in its form and posts it (to <paramref name="action"/> or the page itself).</summary>
    public static async Task<PageResponse> SubmitAsync(HttpClient browser, string page, IDictionary<string, string> fields, string? action = null)
    {
        var form = SmartHarness.Inputs(await (await browser.GetAsync(page)).Content.ReadAsStringAsync());
        return await PostAsync(browser, action ?? page, form, fields);
    }

    public static async Task<PageResponse> PostAsync(HttpClient browser, string action, Dictionary<string, string> form, IDictionary<string, string> fields)
    {
        foreach (var (key, value) in fields) form[key] = value;
        var response = await browser.PostAsync(action, new FormUrlEncodedContent(form));
        return new PageResponse(response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Registration step 1 in a fresh browser.</summary>
    public Task<PageResponse> ProveAsync(string mrn, string code, string birthDate, string email = "ada@example.org", HttpClient? browser = null) =>
        SubmitAsync(browser ?? Smart.Client(), "auth/register", new Dictionary<string, string>
        {
            ["Mrn"] = mrn, ["Code"] = code, ["BirthDate"] = birthDate, ["Name"] = "Ada Lovelace", ["Email"] = email,
        });

    /// <summary>Both registration steps; returns the second step's answer.</summary>
    public async Task<PageResponse> RegisterAsync(string mrn, string code, string birthDate, string userName, string password = SmartHarness.Password, string email = "ada@example.org")
    {
        var browser = Smart.Client();
        var proven = await ProveAsync(mrn, code, birthDate, email, browser);
        Assert.True(proven.Status == HttpStatusCode.OK, proven.Html);
        return await PostAsync(browser, "auth/register?handler=Account", proven.Inputs,
            new Dictionary<string, string> { ["UserName"] = userName, ["Password"] = password, ["ConfirmPassword"] = password });
    }

    /// <summary>Posts the sign-in page; a 302 means signed in.</summary>
    public async Task<(HttpStatusCode Status, string Html)> SignInAsync(string user, string password)
    {
        var browser = Smart.Client();
        var form = SmartHarness.Inputs(await (await browser.GetAsync("auth/login")).Content.ReadAsStringAsync());
        form["Username"] = user;
        form["Password"] = password;
        var response = await browser.PostAsync("auth/login", new FormUrlEncodedContent(form));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public string[] MailFiles() => Smart.MailFiles();

    public Task<MimeMessage> NewestMailAsync() => Smart.LatestMailAsync();

    /// <summary>The link in a mail, as a path and query on this server.</summary>
    public static string Link(MimeMessage mail) => new Uri(LinkPattern().Match(mail.TextBody ?? "").Value).PathAndQuery.TrimStart('/');

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex LinkPattern();

    public async Task<PortalUser?> UserAsync(string name)
    {
        using var scope = Smart.Host.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByNameAsync(name);
    }

    /// <summary>Registers, confirms the email address and returns the account's user name.</summary>
    public async Task<string> ConfirmedPatientAsync(string id, string mrn, string birthDate, string userName, string email)
    {
        await PatientAsync(id, mrn, birthDate);
        var done = await RegisterAsync(mrn, await CodeAsync(id), birthDate, userName, email: email);
        Assert.True(done.Status == HttpStatusCode.OK, done.Html);
        var confirmed = await Smart.Client().GetAsync(Link(await NewestMailAsync()));
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        return userName;
    }

    /// <summary>Account AuditEvents of one subtype (searched as the server).</summary>
    public async Task<List<string>> AuditAsync(string subtype)
    {
        using var scope = Smart.Host.Services.CreateScope();
        var services = scope.ServiceProvider;
        using var _ = services.GetRequiredService<CallerContext>().Use(Caller.Server);
        var bundle = await services.GetRequiredService<SearchInteraction>().ExecuteAsync("http://localhost/fhir", new SearchScope("AuditEvent"),
            [new("subtype", $"https://fhirportal.dev/CodeSystem/account-event|{subtype}")], strict: true, CancellationToken.None);
        return bundle.Entries.Where(e => e.Resource is not null).Select(e => Encoding.UTF8.GetString(e.Resource!.Json.Span)).ToList();
    }

    public async ValueTask DisposeAsync() => await Smart.DisposeAsync();
}
