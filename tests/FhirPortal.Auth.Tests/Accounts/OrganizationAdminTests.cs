using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Tests.Smart;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using static FhirPortal.Server.Tests.SeedResources;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>
/// Delegated administration over HTTP with the real authorization server: the admin creates super users, super users
/// manage their own organization's end users only, end users' tokens are limited to their organization, and every
/// admin action is an AuditEvent that administrators (and only they) find through /fhir/AuditEvent.
/// </summary>
public sealed class OrganizationAdminTests : IAsyncLifetime
{
    private const string Base = "auth/admin/organizations";
    private SmartHarness _smart = null!;

    public async Task InitializeAsync()
    {
        _smart = await SmartHarness.StartAsync(new Dictionary<string, string?> { ["FhirPortal:Security:Enabled"] = "true" });
        await SeedAsync(_smart.Host.Services,
        [
            OrganizationJson("fac1", "prov"), OrganizationJson("fac2", "prov"), OrganizationJson("emp1", "bus"),
            J("{'resourceType':'Organization','id':'plain','name':'no type'}"),
            J("{'resourceType':'Patient','id':'f1','managingOrganization':{'reference':'Organization/fac1'}}"),
        ]);
    }

    public async Task DisposeAsync() => await _smart.DisposeAsync();

    private static async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpClient browser, HttpMethod method, string url, object? body = null)
    {
        var response = await browser.SendAsync(new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) });
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private static object NewUser(string name, string? fhirUser = null, string[]? roles = null) =>
        new { userName = name, password = SmartHarness.Password, fhirUser, roles };

    /// <summary>As the admin, creates the organization's super user; returns that super user's signed-in browser.</summary>
    private async Task<HttpClient> SuperUserAsync(string organization)
    {
        var (status, body) = await SendAsync(await _smart.SignedInBrowserAsync("admin"), HttpMethod.Post, $"{Base}/{organization}/super-user", NewUser($"{organization}-super"));
        Assert.True(status == HttpStatusCode.Created, body?.ToJsonString());
        return await _smart.SignedInBrowserAsync($"{organization}-super");
    }

    private static async Task<string> CreateEndUserAsync(HttpClient superUser, string organization, string name, string? fhirUser = null, string[]? roles = null)
    {
        var (status, body) = await SendAsync(superUser, HttpMethod.Post, $"{Base}/{organization}/users", NewUser(name, fhirUser, roles));
        Assert.True(status == HttpStatusCode.Created, body?.ToJsonString());
        return (string)body!["id"]!;
    }

    private async Task<HttpStatusCode> SignInStatusAsync(string user)
    {
        var browser = _smart.Client();
        var fields = SmartHarness.Inputs(await (await browser.GetAsync("auth/login")).Content.ReadAsStringAsync());
        fields["Username"] = user;
        fields["Password"] = SmartHarness.Password;
        return (await browser.PostAsync("auth/login", new FormUrlEncodedContent(fields))).StatusCode;
    }

    private HttpClient Fhir(string accessToken)
    {
        var client = _smart.Client();
        client.DefaultRequestHeaders.Accept.ParseAdd("application/fhir+json");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    [Fact]
    public async Task Admin_creates_one_super_user_per_existing_organization_of_a_known_kind()
    {
        var admin = await _smart.SignedInBrowserAsync("admin");
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(admin, HttpMethod.Post, $"{Base}/fac1/super-user", NewUser("s1"))).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(admin, HttpMethod.Post, $"{Base}/fac1/super-user", NewUser("s2"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(admin, HttpMethod.Post, $"{Base}/missing/super-user", NewUser("s3"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(admin, HttpMethod.Post, $"{Base}/plain/super-user", NewUser("s4"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(admin, HttpMethod.Post, $"{Base}/emp1/super-user", NewUser("s5", "Practitioner/dr1"))).Status);

        var practitioner = await _smart.SignedInBrowserAsync(SmartHarness.PractitionerUser);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(practitioner, HttpMethod.Post, $"{Base}/fac2/super-user", NewUser("s6"))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(_smart.Client(), HttpMethod.Post, $"{Base}/fac2/super-user", NewUser("s7"))).Status);
        // The super user is not an admin: it cannot create super users either.
        var superUser = await _smart.SignedInBrowserAsync("s1");
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(superUser, HttpMethod.Post, $"{Base}/fac2/super-user", NewUser("s8"))).Status);
    }

    [Fact]
    public async Task Super_user_creates_lists_disables_enables_and_sets_roles_of_own_end_users()
    {
        var superUser = await SuperUserAsync("fac1");
        var id = await CreateEndUserAsync(superUser, "fac1", "nurse", "Practitioner/dr1", ["practitioner"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(superUser, HttpMethod.Post, $"{Base}/fac1/users", NewUser("x", roles: ["admin"]))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(superUser, HttpMethod.Post, $"{Base}/fac1/users", NewUser("y", "Practitioner/nobody"))).Status);

        var (_, list) = await SendAsync(superUser, HttpMethod.Get, $"{Base}/fac1/users");
        Assert.Equal(["fac1-super", "nurse"], list!.AsArray().Select(u => (string)u!["userName"]!).Order());

        var (status, roles) = await SendAsync(superUser, HttpMethod.Put, $"{Base}/fac1/users/{id}/roles", new { roles = new[] { "billing" } });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["billing", "end-user"], roles!["roles"]!.AsArray().Select(r => (string)r!));
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(superUser, HttpMethod.Put, $"{Base}/fac1/users/{id}/roles", new { roles = new[] { "super-user" } })).Status);

        Assert.Equal(HttpStatusCode.Redirect, await SignInStatusAsync("nurse"));
        var (_, disabled) = await SendAsync(superUser, HttpMethod.Post, $"{Base}/fac1/users/{id}/disable");
        Assert.True((bool)disabled!["disabled"]!);
        Assert.Equal(HttpStatusCode.BadRequest, await SignInStatusAsync("nurse")); // the sign-in page again, with an error
        await SendAsync(superUser, HttpMethod.Post, $"{Base}/fac1/users/{id}/enable");
        Assert.Equal(HttpStatusCode.Redirect, await SignInStatusAsync("nurse"));
    }

    [Fact]
    public async Task Super_user_resets_an_end_users_two_factor()
    {
        var superUser = await SuperUserAsync("fac1");
        var id = await CreateEndUserAsync(superUser, "fac1", "twofa");
        using (var scope = _smart.Host.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var user = (await users.FindByIdAsync(id))!;
            await users.ResetAuthenticatorKeyAsync(user);
            await users.SetTwoFactorEnabledAsync(user, true);
            await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 5);
        }
        var (status, body) = await SendAsync(superUser, HttpMethod.Post, $"{Base}/fac1/users/{id}/reset-two-factor");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False((bool)body!["twoFactorEnabled"]!);
        using (var scope = _smart.Host.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            Assert.Equal(0, await users.CountRecoveryCodesAsync((await users.FindByIdAsync(id))!));
        }
    }

    [Fact]
    public async Task Super_user_trying_to_manage_another_organizations_user_gets_403()
    {
        var fac1 = await SuperUserAsync("fac1");
        var fac2 = await SuperUserAsync("fac2");
        var other = await CreateEndUserAsync(fac2, "fac2", "other-nurse");
        var fac2Super = (await SendAsync(fac2, HttpMethod.Get, $"{Base}/fac2/users")).Body!.AsArray().Single(u => (string)u!["userName"]! == "fac2-super")!["id"]!.ToString();

        foreach (var action in new[] { "disable", "enable", "reset-two-factor" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(fac1, HttpMethod.Post, $"{Base}/fac1/users/{other}/{action}")).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(fac1, HttpMethod.Post, $"{Base}/fac2/users/{other}/{action}")).Status);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(fac1, HttpMethod.Put, $"{Base}/fac2/users/{other}/roles", new { roles = new[] { "billing" } })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(fac1, HttpMethod.Get, $"{Base}/fac2/users")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(fac1, HttpMethod.Post, $"{Base}/fac2/users", NewUser("intruder"))).Status);
        // A super user manages end users only, so not another super user (nor itself).
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(fac2, HttpMethod.Post, $"{Base}/fac2/users/{fac2Super}/disable")).Status);
        // Neither does an end user or the portal admin manage an organization's accounts.
        var endUser = await _smart.SignedInBrowserAsync("other-nurse");
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(endUser, HttpMethod.Get, $"{Base}/fac2/users")).Status);

        Assert.Equal(HttpStatusCode.Redirect, await SignInStatusAsync("other-nurse"));
        Assert.Equal(["fac2-super", "other-nurse"], (await SendAsync(fac2, HttpMethod.Get, $"{Base}/fac2/users")).Body!.AsArray()
            .Where(u => !(bool)u!["disabled"]!).Select(u => (string)u!["userName"]!).Order());
    }

    [Theory]
    [InlineData("billing", "true")]
    [InlineData("practitioner", null)]
    public async Task Only_a_user_in_the_billing_role_gets_the_billing_claim_in_the_access_token(string role, string? expected)
    {
        var superUser = await SuperUserAsync("fac1");
        await CreateEndUserAsync(superUser, "fac1", "staff-" + role, "Practitioner/dr1", [role]);

        var token = await _smart.StandaloneAsync("staff-" + role, "openid fhirUser user/*.rs");

        Assert.Equal(expected, (string?)SmartHarness.Claims((string)token["access_token"]!)["fhirportal_billing"]);
    }

    [Fact]
    public async Task Removing_the_billing_role_takes_the_billing_claim_out_of_the_next_refreshed_token()
    {
        var superUser = await SuperUserAsync("fac1");
        var id = await CreateEndUserAsync(superUser, "fac1", "clerk", "Practitioner/dr1", ["billing"]);
        var token = await _smart.StandaloneAsync("clerk", "openid fhirUser offline_access user/*.rs");
        Assert.Equal("true", (string?)SmartHarness.Claims((string)token["access_token"]!)["fhirportal_billing"]);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(superUser, HttpMethod.Put, $"{Base}/fac1/users/{id}/roles", new { roles = new[] { "practitioner" } })).Status);
        var (status, refreshed, _) = await _smart.PostFormAsync("connect/token",
            new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = (string)token["refresh_token"]! });

        Assert.Equal(HttpStatusCode.OK, status);
        var claims = SmartHarness.Claims((string)refreshed["access_token"]!);
        Assert.Null(claims["fhirportal_billing"]);
        Assert.Equal("Organization/fac1", (string?)claims["fhirportal_org"]);
    }

    [Fact]
    public async Task End_user_token_is_limited_to_the_organization_and_stops_working_when_disabled()
    {
        var superUser = await SuperUserAsync("fac1");
        var id = await CreateEndUserAsync(superUser, "fac1", "clinician", "Practitioner/dr1", ["practitioner"]);
        var token = await _smart.StandaloneAsync("clinician", "openid fhirUser user/*.rs");
        var fhir = Fhir((string)token["access_token"]!);
        var claims = SmartHarness.Claims((string)token["access_token"]!);
        Assert.Equal("Organization/fac1", (string)claims["fhirportal_org"]!);
        Assert.Equal("facility", (string)claims["fhirportal_org_kind"]!);
        Assert.Null(claims["fhirportal_admin"]);

        Assert.Equal(HttpStatusCode.OK, (await fhir.GetAsync("fhir/Patient/f1")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fhir.GetAsync("fhir/Patient/p1")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fhir.GetAsync("fhir/Observation/o1")).StatusCode);
        var search = await (await fhir.GetAsync("fhir/Patient")).Content.ReadAsStringAsync();
        Assert.Contains("\"f1\"", search);
        Assert.DoesNotContain("\"p1\"", search);

        await SendAsync(superUser, HttpMethod.Post, $"{Base}/fac1/users/{id}/disable");
        Assert.Equal(HttpStatusCode.Unauthorized, (await fhir.GetAsync("fhir/Patient/f1")).StatusCode);
    }

    [Fact]
    public async Task Patient_picker_of_a_facility_end_user_lists_only_the_facilitys_patients()
    {
        var superUser = await SuperUserAsync("fac1");
        await CreateEndUserAsync(superUser, "fac1", "picker", "Practitioner/dr1", ["practitioner"]);
        var (_, challenge) = SmartHarness.Pkce();
        var browser = _smart.Client();
        var page = await SmartHarness.SignInAsync(browser,
            SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "launch/patient openid fhirUser user/*.rs", challenge), "picker");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Choose a patient", html);
        Assert.Contains("value=\"f1\"", html);
        Assert.DoesNotContain("Lovelace", html);
        Assert.DoesNotContain("Turing", html);

        // A patient of another facility posted by hand is not taken as the launch patient: the picker comes back.
        var forged = await SmartHarness.SubmitAsync(page, browser, "pick", [], ("patient_choice", "p1"));
        Assert.Contains("Choose a patient", await forged.Content.ReadAsStringAsync());
        var picked = await SmartHarness.SubmitAsync(page, browser, "pick", [], ("patient_choice", "f1"));
        Assert.Contains("Allow", await picked.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Admin_actions_are_AuditEvents_that_only_administrators_search()
    {
        var fac1 = await SuperUserAsync("fac1");
        await CreateEndUserAsync(fac1, "fac1", "audited");
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(fac1, HttpMethod.Get, $"{Base}/fac2/users")).Status);

        var adminToken = await _smart.StandaloneAsync("admin", "openid user/AuditEvent.rs");
        var bundle = await (await Fhir((string)adminToken["access_token"]!).GetAsync("fhir/AuditEvent?entity=Organization/fac1")).ReadJsonAsync();
        var events = bundle["entry"]!.AsArray().Select(e => e!["resource"]!).ToList();
        var created = events.Single(e => (string)e["subtype"]![0]!["code"]! == "org-user-created");
        Assert.Equal("fac1-super", (string)created["agent"]![0]!["name"]!);
        Assert.Equal("0", (string)created["outcome"]!);
        Assert.Equal("C", (string)created["action"]!);
        Assert.NotNull(created["recorded"]);
        Assert.Contains(events, e => (string)e["subtype"]![0]!["code"]! == "org-super-user-created");
        var refused = await (await Fhir((string)adminToken["access_token"]!).GetAsync("fhir/AuditEvent?entity=Organization/fac2&outcome=4")).ReadJsonAsync();
        Assert.Equal("fac1-super", (string)refused["entry"]![0]!["resource"]!["agent"]![0]!["name"]!);

        var practitionerToken = await _smart.StandaloneAsync(SmartHarness.PractitionerUser, "openid fhirUser user/*.rs");
        Assert.Equal(HttpStatusCode.Forbidden, (await Fhir((string)practitionerToken["access_token"]!).GetAsync("fhir/AuditEvent")).StatusCode);
    }
}
