using System.Net;

namespace FhirPortal.Auth.Tests.Smart;

/// <summary>Refresh (keeps or narrows, never widens), revocation (RFC 7009), introspection (RFC 7662) and revoking an app.</summary>
public sealed class TokenLifecycleTests : IAsyncLifetime
{
    private SmartHarness _smart = null!;
    // Security on: revocation is also checked where it matters, at the FHIR API.
    public async Task InitializeAsync() => _smart = await SmartHarness.StartAsync(new Dictionary<string, string?> { ["FhirPortal:Security:Enabled"] = "true" });
    public async Task DisposeAsync() => await _smart.DisposeAsync();

    private Task<(HttpStatusCode Status, System.Text.Json.Nodes.JsonObject Body, HttpResponseMessage Response)> Refresh(string refreshToken, string? scope = null)
    {
        // Like fhirclient: a public client refreshes without client_id.
        var form = new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken };
        if (scope is not null) form["scope"] = scope;
        return _smart.PostFormAsync("connect/token", form);
    }

    private async Task<System.Text.Json.Nodes.JsonObject> ConfidentialTokenAsync(string scope)
    {
        var (verifier, challenge) = SmartHarness.Pkce();
        var redirect = await SmartHarness.AuthorizeAsync(_smart.Client(), SmartHarness.AuthorizeUrl(SmartHarness.ConfidentialApp, scope, challenge), SmartHarness.PatientUser);
        var (status, body, _) = await _smart.ExchangeAsync(SmartHarness.Query(redirect)["code"], verifier, SmartHarness.ConfidentialApp, (SmartHarness.ConfidentialApp, SmartHarness.AppSecret));
        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        return body;
    }

    private Task<(HttpStatusCode Status, System.Text.Json.Nodes.JsonObject Body, HttpResponseMessage Response)> Introspect(string token) =>
        _smart.PostFormAsync("connect/introspect", new Dictionary<string, string> { ["token"] = token }, (SmartHarness.ConfidentialApp, SmartHarness.AppSecret));

    [Fact]
    public async Task Public_client_refreshes_without_client_id_keeping_or_narrowing_scopes_never_widening()
    {
        var token = await _smart.StandaloneAsync(SmartHarness.PatientUser, "launch/patient patient/Observation.rs patient/Condition.rs offline_access");
        var same = await Refresh((string)token["refresh_token"]!);
        Assert.True(same.Status == HttpStatusCode.OK, same.Body.ToJsonString());
        Assert.Equal(((string)token["scope"]!).Split(' ').Order(), ((string)same.Body["scope"]!).Split(' ').Order());
        Assert.Equal("p1", (string?)same.Body["patient"]);

        var narrowed = await Refresh((string)same.Body["refresh_token"]!, "patient/Observation.rs offline_access");
        Assert.True(narrowed.Status == HttpStatusCode.OK, narrowed.Body.ToJsonString());
        Assert.Equal("offline_access patient/Observation.rs", string.Join(' ', ((string)narrowed.Body["scope"]!).Split(' ').Order(StringComparer.Ordinal)));

        var widened = await Refresh((string)narrowed.Body["refresh_token"]!, "patient/Observation.rs patient/*.cruds");
        Assert.Equal(HttpStatusCode.BadRequest, widened.Status);
        Assert.Equal("invalid_scope", (string?)widened.Body["error"]);
        Assert.Contains("patient/*.cruds", (string?)widened.Body["error_description"]);
        // The refresh token itself is still good after a refused widening.
        Assert.Equal(HttpStatusCode.OK, (await Refresh((string)narrowed.Body["refresh_token"]!, "patient/Observation.rs")).Status);
    }

    [Fact]
    public async Task Online_access_also_gets_a_refresh_token_and_no_such_scope_gets_none()
    {
        var online = await _smart.StandaloneAsync(SmartHarness.PatientUser, "patient/Observation.rs online_access");
        Assert.NotNull((string?)online["refresh_token"]);
        var none = await _smart.StandaloneAsync(SmartHarness.PatientUser, "patient/Observation.rs");
        Assert.Null(none["refresh_token"]);
    }

    [Fact]
    public async Task Revoked_refresh_token_is_invalid_grant()
    {
        var token = await _smart.StandaloneAsync(SmartHarness.PatientUser, "patient/Observation.rs offline_access");
        var revoke = await _smart.PostFormAsync("connect/revoke", new Dictionary<string, string>
        {
            ["token"] = (string)token["refresh_token"]!, ["token_type_hint"] = "refresh_token", ["client_id"] = SmartHarness.PublicApp,
        });
        Assert.Equal(HttpStatusCode.OK, revoke.Status);
        var refreshed = await Refresh((string)token["refresh_token"]!);
        Assert.Equal(HttpStatusCode.BadRequest, refreshed.Status);
        Assert.Equal("invalid_grant", (string?)refreshed.Body["error"]);
    }

    [Fact]
    public async Task Revoking_a_refresh_token_ends_the_access_tokens_of_its_grant()
    {
        var token = await ConfidentialTokenAsync("patient/Observation.rs offline_access");
        var access = (string)token["access_token"]!;
        async Task<HttpStatusCode> ReadAsync()
        {
            using var read = new HttpRequestMessage(HttpMethod.Get, "fhir/Observation/o1");
            read.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", access);
            return (await _smart.Api.SendAsync(read)).StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, await ReadAsync());
        var revoke = await _smart.PostFormAsync("connect/revoke", new Dictionary<string, string>
        {
            ["token"] = (string)token["refresh_token"]!, ["token_type_hint"] = "refresh_token",
        }, (SmartHarness.ConfidentialApp, SmartHarness.AppSecret));
        Assert.Equal(HttpStatusCode.OK, revoke.Status);
        Assert.False((bool?)(await Introspect(access)).Body["active"]);
        Assert.Equal(HttpStatusCode.Unauthorized, await ReadAsync());
    }

    [Fact]
    public async Task Introspection_returns_SMART_fields_and_inactive_after_revocation()
    {
        var token = await ConfidentialTokenAsync("openid fhirUser launch/patient patient/Observation.rs offline_access");
        var (status, body, _) = await Introspect((string)token["access_token"]!);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True((bool?)body["active"]);
        Assert.Equal(SmartHarness.ConfidentialApp, (string?)body["client_id"]);
        Assert.Equal("p1", (string?)body["patient"]);
        Assert.Equal("http://localhost/fhir/Patient/p1", (string?)body["fhirUser"]);
        Assert.Contains("patient/Observation.rs", ((string)body["scope"]!).Split(' '));
        Assert.Equal(System.Text.Json.JsonValueKind.Number, body["exp"]!.GetValueKind());

        var revoke = await _smart.PostFormAsync("connect/revoke", new Dictionary<string, string> { ["token"] = (string)token["access_token"]! },
            (SmartHarness.ConfidentialApp, SmartHarness.AppSecret));
        Assert.Equal(HttpStatusCode.OK, revoke.Status);
        Assert.False((bool?)(await Introspect((string)token["access_token"]!)).Body["active"]);
    }

    [Fact]
    public async Task Confidential_refresh_token_without_client_authentication_is_invalid_client()
    {
        var token = await ConfidentialTokenAsync("patient/Observation.rs offline_access");
        var refreshed = await Refresh((string)token["refresh_token"]!);
        Assert.Equal("invalid_client", (string?)refreshed.Body["error"]);
    }

    [Fact]
    public async Task Introspection_needs_client_authentication()
    {
        var token = await _smart.StandaloneAsync(SmartHarness.PatientUser, "patient/Observation.rs");
        var anonymous = await _smart.PostFormAsync("connect/introspect", new Dictionary<string, string> { ["token"] = (string)token["access_token"]! });
        Assert.Equal("invalid_client", (string?)anonymous.Body["error"]);
    }

    [Fact]
    public async Task Revoking_an_app_on_my_apps_page_ends_its_tokens()
    {
        var browser = _smart.Client();
        var (verifier, challenge) = SmartHarness.Pkce();
        var redirect = await SmartHarness.AuthorizeAsync(browser, SmartHarness.AuthorizeUrl(SmartHarness.ConfidentialApp, "patient/Observation.rs offline_access", challenge), SmartHarness.PatientUser);
        var (_, token, _) = await _smart.ExchangeAsync(SmartHarness.Query(redirect)["code"], verifier, SmartHarness.ConfidentialApp, (SmartHarness.ConfidentialApp, SmartHarness.AppSecret));

        var page = await browser.GetAsync("auth/apps");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("read your test results and measurements", html);
        var fields = SmartHarness.Inputs(html);
        var revoked = await browser.PostAsync("auth/apps?handler=Revoke", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Contains("Access revoked", await revoked.Content.ReadAsStringAsync());

        Assert.False((bool?)(await Introspect((string)token["access_token"]!)).Body["active"]);
        var refreshed = await _smart.PostFormAsync("connect/token", new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = (string)token["refresh_token"]! },
            (SmartHarness.ConfidentialApp, SmartHarness.AppSecret));
        Assert.Equal("invalid_grant", (string?)refreshed.Body["error"]);
    }
}
