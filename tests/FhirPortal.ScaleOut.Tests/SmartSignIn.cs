using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.ScaleOut.Tests;

/// <summary>
/// SMART App Launch over plain HTTP, as a browser and an app would do it: the authorization code flow with PKCE
/// (sign-in page, consent form with its antiforgery token, code exchange) and the refresh grant; and the practitioner
/// account it signs in with, created in the shared account database with the server's own Identity model.
/// </summary>
internal static partial class SmartSignIn
{
    public const string ClientId = "scaleout-app", Redirect = "https://app.test/callback";
    public const string User = "doc", Password = "Scale-out-password-1", FhirUser = "Practitioner/dr1";
    public const string Scope = "openid fhirUser user/*.cruds offline_access";

    /// <summary>The client registered from configuration on both instances.</summary>
    public static IEnumerable<string> ClientSettings() =>
    [
        $"--FhirPortal:Auth:Clients:0:ClientId={ClientId}", $"--FhirPortal:Auth:Clients:0:RedirectUris:0={Redirect}",
        "--FhirPortal:Auth:Clients:0:AllowedScopes:0=user/*", "--FhirPortal:Auth:Clients:0:AllowedScopes:1=openid",
        "--FhirPortal:Auth:Clients:0:AllowedScopes:2=fhirUser", "--FhirPortal:Auth:Clients:0:AllowedScopes:3=offline_access",
    ];

    /// <summary>Creates the practitioner account (and its role) in the PostgreSQL account database the instances migrated.</summary>
    public static async Task CreateAccountAsync(string connectionString)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDbContext<AuthDbContext>(o => o.UseNpgsql(connectionString).UseOpenIddict());
        services.AddIdentityCore<PortalUser>().AddRoles<IdentityRole>().AddEntityFrameworkStores<AuthDbContext>();
        await using var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        if (!await roles.RoleExistsAsync(Auth.Seeding.PortalRoles.Practitioner))
            await roles.CreateAsync(new IdentityRole(Auth.Seeding.PortalRoles.Practitioner));
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = new PortalUser { UserName = User, FhirUser = FhirUser, EmailConfirmed = true };
        var created = await users.CreateAsync(user, Password);
        if (!created.Succeeded) throw new InvalidOperationException(string.Join("; ", created.Errors.Select(e => e.Description)));
        await users.AddToRoleAsync(user, Auth.Seeding.PortalRoles.Practitioner);
    }

    /// <summary>Signs in and consents with <paramref name="browser"/> (cookies on, no redirects followed), then exchanges the code; returns the token response.</summary>
    public static Task<JsonObject> AuthorizeAsync(HttpClient browser, Uri fhirBase) => AuthorizeAsync(browser, browser, fhirBase);

    /// <summary>
    /// The same flow by one browser (two clients sharing one cookie jar) whose page loads go through <paramref name="pages"/>
    /// and whose form posts go through <paramref name="forms"/>: the sign-in and consent forms (antiforgery token and
    /// cookie from one instance) are posted to the other, and the code is exchanged where the pages came from.
    /// </summary>
    public static async Task<JsonObject> AuthorizeAsync(HttpClient pages, HttpClient forms, Uri fhirBase)
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code", ["client_id"] = ClientId, ["redirect_uri"] = Redirect, ["scope"] = Scope, ["state"] = "s1",
            ["aud"] = fhirBase.ToString().TrimEnd('/'), ["code_challenge"] = challenge, ["code_challenge_method"] = "S256",
        };
        var authorize = await pages.GetAsync("connect/authorize" + Microsoft.AspNetCore.Http.QueryString.Create(query));
        var loginUrl = Local(Expect(authorize, HttpStatusCode.Redirect).Headers.Location!);
        var login = await PageAsync(pages, loginUrl);
        var fields = Inputs(login);
        fields["Username"] = User;
        fields["Password"] = Password;
        var signedIn = Expect(await forms.PostAsync(loginUrl, new FormUrlEncodedContent(fields)), HttpStatusCode.Redirect);
        var consent = await PageAsync(pages, Local(signedIn.Headers.Location!));

        var form = Inputs(consent).Where(f => f.Key != "scope_choice").ToList();
        form.Add(new("decision", "approve"));
        form.AddRange(Checkboxes(consent).Select(s => KeyValuePair.Create("scope_choice", s)));
        var approved = Expect(await forms.PostAsync("connect/authorize", new FormUrlEncodedContent(form)), HttpStatusCode.Redirect);
        var code = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(approved.Headers.Location!.Query)["code"].ToString();
        return await TokenAsync(pages, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = Redirect, ["code_verifier"] = verifier, ["client_id"] = ClientId,
        });
    }

    /// <summary>The refresh grant; returns the new token response.</summary>
    public static Task<JsonObject> RefreshAsync(HttpClient app, string refreshToken) =>
        TokenAsync(app, new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken, ["client_id"] = ClientId });

    /// <summary>The claims of a JWT (no signature check: the servers check it when the token is used).</summary>
    public static JsonObject Claims(string jwt)
    {
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
        return JsonNode.Parse(Convert.FromBase64String(payload))!.AsObject();
    }

    private static async Task<JsonObject> TokenAsync(HttpClient client, Dictionary<string, string> form)
    {
        using var response = await client.PostAsync("connect/token", new FormUrlEncodedContent(form));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"token endpoint: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private static async Task<string> PageAsync(HttpClient browser, string url)
    {
        using var response = await browser.GetAsync(url);
        var page = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {page}");
        return page;
    }

    private static HttpResponseMessage Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.True(response.StatusCode == status,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {status}, got {(int)response.StatusCode} {response.Content.ReadAsStringAsync().Result}");
        return response;
    }

    /// <summary>A redirect's path and query, sent to the same instance the browser is talking to (absolute ones name the public host).</summary>
    private static string Local(Uri location) => location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString;

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("<input\\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InputTag();

    [GeneratedRegex("(\\w[\\w-]*)=\"([^\"]*)\"")]
    private static partial Regex Attribute();

    private static IEnumerable<Dictionary<string, string>> InputAttributes(string html) =>
        InputTag().Matches(html).Select(m => Attribute().Matches(m.Value).ToDictionary(a => a.Groups[1].Value, a => WebUtility.HtmlDecode(a.Groups[2].Value)));

    private static Dictionary<string, string> Inputs(string html) =>
        InputAttributes(html).Where(a => a.ContainsKey("name") && a.GetValueOrDefault("type") is "hidden" or "text")
            .GroupBy(a => a["name"]).ToDictionary(g => g.Key, g => g.Last().GetValueOrDefault("value") ?? "");

    private static List<string> Checkboxes(string html) =>
        InputAttributes(html).Where(a => a.GetValueOrDefault("type") == "checkbox").Select(a => a["value"]).ToList();
}
