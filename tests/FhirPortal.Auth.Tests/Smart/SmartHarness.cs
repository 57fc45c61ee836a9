using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Seeding;
using FhirPortal.Core;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Auth.Tests.Smart;

/// <summary>
/// Drives SMART flows over HTTP against an in-process server: a browser (cookies, no auto-redirect) signs in, posts
/// the consent form with its antiforgery token, and the app side exchanges the code. Registers a public app, a
/// confidential app and users linked to FHIR resources it creates.
/// </summary>
public sealed partial class SmartHarness : IAsyncDisposable
{
    public const string PublicApp = "public-app", ConfidentialApp = "confidential-app", BackendApp = "backend-app";
    public const string AppSecret = "test-secret-of-the-confidential-app";
    public const string Redirect = "http://app.test/callback";
    public const string Password = "Test-password-1";
    public const string PatientUser = "pat", PractitionerUser = "doc";
    public const string Fhir = "http://localhost/fhir";

    private readonly FhirPortalHost _host;
    public WebApplicationFactory<Program> Host { get; }
    public HttpClient Api { get; }

    private SmartHarness(FhirPortalHost host, Action<IServiceCollection>? services, bool kestrel = false)
    {
        _host = host;
        Host = services is null ? host : host.WithWebHostBuilder(b => b.ConfigureTestServices(services));
        if (kestrel)
        {
            // Before the first client: the server kind is fixed when the factory starts.
            Host.UseKestrel(0);
            Host.StartServer();
            BaseAddress = Host.ClientOptions.BaseAddress;
        }
        Api = Client();
    }

    public string DataDirectory => _host.DataDirectory;

    /// <summary>The .eml files the server wrote to {data}/mail (no SMTP in tests), oldest first (names are time-ordered).</summary>
    public string[] MailFiles()
    {
        var folder = Path.Combine(DataDirectory, "mail");
        return Directory.Exists(folder) ? [.. Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal)] : [];
    }

    public async Task<MimeKit.MimeMessage> LatestMailAsync() => await MimeKit.MimeMessage.LoadAsync(MailFiles().Last());

    /// <summary>The server's root URL: http://localhost/ in memory, the real address on Kestrel.</summary>
    public Uri BaseAddress { get; } = new("http://localhost/");

    /// <summary>Keep the data directory on dispose (restart tests).</summary>
    public bool KeepData { set => _host.KeepData = value; }

    /// <param name="kestrel">Serve on a real localhost port (for a real browser); the address is then <see cref="BaseAddress"/>.</param>
    public static async Task<SmartHarness> StartAsync(IDictionary<string, string?>? extra = null, string? dataDirectory = null, Action<IServiceCollection>? services = null, bool kestrel = false)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FhirPortal:Auth:AllowHttp"] = "true",
            // SMART protocol tests sign in with the password alone; Accounts/ tests cover the required second factor.
            ["FhirPortal:Auth:Accounts:SignIn:RequireTwoFactorForPatients"] = "false",
            ["FhirPortal:Auth:Clients:0:ClientId"] = PublicApp,
            ["FhirPortal:Auth:Clients:0:DisplayName"] = "Public Test App",
            ["FhirPortal:Auth:Clients:0:RedirectUris:0"] = Redirect,
            ["FhirPortal:Auth:Clients:0:AllowedScopes:0"] = "patient/*",
            ["FhirPortal:Auth:Clients:0:AllowedScopes:1"] = "user/*",
            ["FhirPortal:Auth:Clients:0:AllowedScopes:2"] = "openid",
            ["FhirPortal:Auth:Clients:0:AllowedScopes:3"] = "fhirUser",
            ["FhirPortal:Auth:Clients:0:AllowedScopes:4"] = "launch",
            ["FhirPortal:Auth:Clients:0:AllowedScopes:5"] = "launch/patient",
            ["FhirPortal:Auth:Clients:0:AllowedScopes:6"] = "launch/encounter",
            ["FhirPortal:Auth:Clients:0:AllowedScopes:7"] = "offline_access",
            ["FhirPortal:Auth:Clients:0:AllowedScopes:8"] = "online_access",
            ["FhirPortal:Auth:Clients:1:ClientId"] = ConfidentialApp,
            ["FhirPortal:Auth:Clients:1:ClientSecret"] = AppSecret,
            ["FhirPortal:Auth:Clients:1:RedirectUris:0"] = Redirect,
            ["FhirPortal:Auth:Clients:1:AllowedScopes:0"] = "patient/*",
            ["FhirPortal:Auth:Clients:1:AllowedScopes:1"] = "launch/patient",
            ["FhirPortal:Auth:Clients:1:AllowedScopes:2"] = "offline_access",
            ["FhirPortal:Auth:Clients:1:AllowedScopes:3"] = "openid",
            ["FhirPortal:Auth:Clients:1:AllowedScopes:4"] = "fhirUser",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>()) settings[key] = value;
        var harness = new SmartHarness(new FhirPortalHost(dataDirectory, settings), services, kestrel);
        await harness.SeedAsync();
        return harness;
    }

    public HttpClient Client() => Host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = BaseAddress });

    private async Task SeedAsync()
    {
        // Seeded through Core as the server itself (no token), so hosts with access control on can be seeded too.
        using (var seeding = Host.Services.CreateScope())
        {
            var services = seeding.ServiceProvider;
            var (update, parser) = (services.GetRequiredService<UpdateInteraction>(), services.GetRequiredService<FhirParser>());
            using var _ = services.GetRequiredService<CallerContext>().Use(Caller.Server);
            foreach (var (path, json) in new[]
            {
                ("Patient/p1", """{"resourceType":"Patient","id":"p1","name":[{"given":["Ada"],"family":"Lovelace"}]}"""),
                ("Patient/p2", """{"resourceType":"Patient","id":"p2","name":[{"given":["Alan"],"family":"Turing"}]}"""),
                ("Practitioner/dr1", """{"resourceType":"Practitioner","id":"dr1","name":[{"family":"House"}]}"""),
                ("Encounter/e1", """{"resourceType":"Encounter","id":"e1","status":"in-progress","class":{"code":"AMB"},"subject":{"reference":"Patient/p2"}}"""),
                ("Observation/o1", """{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"glucose"},"subject":{"reference":"Patient/p1"}}"""),
                ("Observation/o2", """{"resourceType":"Observation","id":"o2","status":"final","code":{"text":"glucose"},"subject":{"reference":"Patient/p2"}}"""),
            })
            {
                var key = new ResourceKey(path.Split('/')[0], path.Split('/')[1]);
                await update.UpdateAsync(key, parser.ParseJson(Encoding.UTF8.GetBytes(json)), null, CancellationToken.None);
            }
        }
        using var scope = Host.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in new[] { PortalRoles.Admin, PortalRoles.Practitioner })
            if (!await roles.RoleExistsAsync(role)) await roles.CreateAsync(new IdentityRole(role));
        foreach (var (name, fhirUser, role) in new[] { (PatientUser, "Patient/p1", null), (PractitionerUser, "Practitioner/dr1", PortalRoles.Practitioner), ("admin", null, PortalRoles.Admin) })
        {
            if (await users.FindByNameAsync(name) is not null) continue;
            var user = new PortalUser { UserName = name, FhirUser = fhirUser, EmailConfirmed = true };
            Assert.True((await users.CreateAsync(user, Password)).Succeeded);
            if (role is not null) await users.AddToRoleAsync(user, role);
        }
    }

    /// <summary>Signs a browser in on the sign-in page (no authorization request).</summary>
    public async Task<HttpClient> SignedInBrowserAsync(string user)
    {
        var browser = Client();
        var page = await (await browser.GetAsync("auth/login")).Content.ReadAsStringAsync();
        var fields = Inputs(page);
        fields["Username"] = user;
        fields["Password"] = Password;
        var posted = await browser.PostAsync("auth/login", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        return browser;
    }

    /// <summary>A PKCE pair (RFC 7636): verifier and its S256 challenge.</summary>
    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string AuthorizeUrl(string clientId, string scope, string challenge, string state = "st-1", string? aud = Fhir,
        string redirect = Redirect, string method = "S256", string? launch = null)
    {
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code", ["client_id"] = clientId, ["redirect_uri"] = redirect, ["scope"] = scope, ["state"] = state,
            ["aud"] = aud, ["code_challenge"] = challenge, ["code_challenge_method"] = method, ["launch"] = launch,
        };
        return "connect/authorize" + Microsoft.AspNetCore.Http.QueryString.Create(query.Where(p => p.Value is not null));
    }

    /// <summary>Follows sign-in (if asked) to the page after it: the consent page, the picker, or a redirect.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string authorizeUrl, string user)
    {
        var response = await browser.GetAsync(authorizeUrl);
        if (response.StatusCode != HttpStatusCode.Redirect || !response.Headers.Location!.OriginalString.StartsWith("/auth/login")) return response;
        var loginUrl = response.Headers.Location!.OriginalString;
        var page = await (await browser.GetAsync(loginUrl)).Content.ReadAsStringAsync();
        var fields = Inputs(page);
        fields["Username"] = user;
        fields["Password"] = Password;
        var posted = await browser.PostAsync(loginUrl, new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        return await browser.GetAsync(posted.Headers.Location!.OriginalString);
    }

    /// <summary>Submits the form on a page (consent or picker) with a decision and extra fields; returns the response.</summary>
    public static async Task<HttpResponseMessage> SubmitAsync(HttpResponseMessage pageResponse, HttpClient browser, string decision,
        IEnumerable<string>? scopes = null, params (string Name, string Value)[] extra)
    {
        var page = await pageResponse.Content.ReadAsStringAsync();
        Assert.True(pageResponse.StatusCode == HttpStatusCode.OK, $"expected a page, got {pageResponse.StatusCode}: {page}");
        var fields = Inputs(page).Where(f => f.Key != "scope_choice").Select(f => KeyValuePair.Create(f.Key, f.Value)).ToList();
        fields.Add(new("decision", decision));
        foreach (var scope in scopes ?? Checkboxes(page)) fields.Add(new("scope_choice", scope));
        foreach (var (name, value) in extra) fields.Add(new(name, value));
        return await browser.PostAsync("connect/authorize", new FormUrlEncodedContent(fields));
    }

    /// <summary>The whole authorization: sign in, pick (if asked), consent with all (or the given) scopes; returns the redirect.</summary>
    public static async Task<Uri> AuthorizeAsync(HttpClient browser, string authorizeUrl, string user, IEnumerable<string>? scopes = null, string? pickPatient = null)
    {
        var page = await SignInAsync(browser, authorizeUrl, user);
        if (pickPatient is not null) page = await SubmitAsync(page, browser, "pick", [], ("patient_choice", pickPatient));
        var redirect = await SubmitAsync(page, browser, "approve", scopes);
        Assert.True(redirect.StatusCode == HttpStatusCode.Redirect, $"expected a redirect, got {redirect.StatusCode}: {await redirect.Content.ReadAsStringAsync()}");
        return redirect.Headers.Location!;
    }

    public static Dictionary<string, string> Query(Uri uri) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query).ToDictionary(p => p.Key, p => p.Value.ToString());

    public async Task<(HttpStatusCode Status, JsonObject Body, HttpResponseMessage Response)> PostFormAsync(string path, IDictionary<string, string> form, (string Id, string Secret)? basic = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        if (basic is { } b) request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(b.Id)}:{Uri.EscapeDataString(b.Secret)}")));
        var response = await Api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text.Length == 0 ? "{}" : text)!.AsObject(), response);
    }

    public Task<(HttpStatusCode Status, JsonObject Body, HttpResponseMessage Response)> ExchangeAsync(string code, string verifier, string clientId = PublicApp, (string, string)? basic = null) =>
        PostFormAsync("connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = Redirect, ["code_verifier"] = verifier, ["client_id"] = clientId,
        }, basic);

    /// <summary>Standalone launch of the public app for a user, all scopes approved; returns the token response.</summary>
    public async Task<JsonObject> StandaloneAsync(string user, string scope, string? pickPatient = null)
    {
        var (verifier, challenge) = Pkce();
        var redirect = await AuthorizeAsync(Client(), AuthorizeUrl(PublicApp, scope, challenge), user, pickPatient: pickPatient);
        var (status, body, _) = await ExchangeAsync(Query(redirect)["code"], verifier);
        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        return body;
    }

    /// <summary>The claims of a JWT (no signature check; the server's own validation is tested through introspection).</summary>
    public static JsonObject Claims(string jwt)
    {
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
        return JsonNode.Parse(Convert.FromBase64String(payload))!.AsObject();
    }

    [GeneratedRegex("<input\\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InputTag();

    [GeneratedRegex("(\\w[\\w-]*)=\"([^\"]*)\"")]
    private static partial Regex Attribute();

    private static IEnumerable<Dictionary<string, string>> InputAttributes(string html) =>
        InputTag().Matches(html).Select(m => Attribute().Matches(m.Value).ToDictionary(a => a.Groups[1].Value, a => WebUtility.HtmlDecode(a.Groups[2].Value)));

    /// <summary>Hidden and text inputs (name → value), including the antiforgery token.</summary>
    public static Dictionary<string, string> Inputs(string html)
    {
        var result = new Dictionary<string, string>();
        foreach (var a in InputAttributes(html))
            if (a.TryGetValue("name", out var name) && a.GetValueOrDefault("type") is "hidden" or "text")
                result[name] = a.GetValueOrDefault("value") ?? "";
        return result;
    }

    /// <summary>The values of the consent page's scope checkboxes.</summary>
    public static List<string> Checkboxes(string html) =>
        InputAttributes(html).Where(a => a.GetValueOrDefault("type") == "checkbox").Select(a => a["value"]).ToList();

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        if (!ReferenceEquals(Host, _host)) await Host.DisposeAsync();
        await _host.DisposeAsync();
    }
}
