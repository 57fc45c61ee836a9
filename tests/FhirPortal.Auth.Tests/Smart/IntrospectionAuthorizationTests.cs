using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FhirPortal.Auth.Tests.Smart;

/// <summary>
/// SMART 2.x token introspection: a bearer access token with the <c>introspect</c> scope authorizes the request; a
/// confidential client registered for <c>introspect</c> may introspect other apps' tokens, others only their own.
/// </summary>
public sealed class IntrospectionAuthorizationTests : IAsyncLifetime
{
    private const string IntrospectorSecret = "secret-of-the-introspector";
    private readonly RSA _rsa = RSA.Create(2048);
    private SmartHarness _smart = null!;

    public async Task InitializeAsync()
    {
        _smart = await SmartHarness.StartAsync();
        var admin = await _smart.SignedInBrowserAsync("admin");
        var p = _rsa.ExportParameters(false);
        var jwks = new JsonObject { ["keys"] = new JsonArray(new JsonObject { ["kty"] = "RSA", ["kid"] = "k1", ["n"] = SmartHarness.Base64Url(p.Modulus!), ["e"] = SmartHarness.Base64Url(p.Exponent!) }) }.ToJsonString();
        foreach (var registration in new object[]
        {
            new { clientId = "resource-server", jwks, allowedScopes = new[] { "system/Patient.rs", "introspect" } },
            new { clientId = "plain-backend", jwks, allowedScopes = new[] { "system/Patient.rs" } },
            new { clientId = "introspector", clientSecret = IntrospectorSecret, allowedScopes = new[] { "introspect" } },
        })
        {
            var response = await admin.PostAsJsonAsync("auth/admin/clients", registration);
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }
    }

    public async Task DisposeAsync() { await _smart.DisposeAsync(); _rsa.Dispose(); }

    private async Task<string> BackendTokenAsync(string clientId, string scope)
    {
        var now = DateTime.UtcNow;
        var assertion = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = clientId, Audience = "http://localhost/connect/token",
            Subject = new ClaimsIdentity([new Claim("sub", clientId), new Claim("jti", Guid.NewGuid().ToString())]),
            IssuedAt = now, NotBefore = now, Expires = now.AddMinutes(4),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(_rsa) { KeyId = "k1" }, SecurityAlgorithms.RsaSha384),
        });
        var (status, body, _) = await _smart.PostFormAsync("connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["scope"] = scope,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", ["client_assertion"] = assertion,
        });
        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        return (string)body["access_token"]!;
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> IntrospectWithBearerAsync(string bearer, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/introspect") { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        var response = await _smart.Api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    [Fact]
    public async Task A_bearer_token_with_the_introspect_scope_introspects_a_public_apps_token()
    {
        var bearer = await BackendTokenAsync("resource-server", "system/Patient.rs introspect");
        var app = await _smart.StandaloneAsync(SmartHarness.PatientUser, "launch/patient patient/Observation.rs");
        var (status, body) = await IntrospectWithBearerAsync(bearer, (string)app["access_token"]!);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True((bool?)body["active"], body.ToJsonString());
        Assert.Equal(SmartHarness.PublicApp, (string?)body["client_id"]);
        Assert.Equal("p1", (string?)body["patient"]);
        Assert.Contains("patient/Observation.rs", ((string)body["scope"]!).Split(' '));
    }

    [Theory]
    [InlineData("without-scope")]
    [InlineData("forged")]
    public async Task A_bearer_token_without_the_scope_or_invalid_is_refused(string kind)
    {
        var bearer = kind == "forged" ? "eyJhbGciOiJub25lIn0.eyJzY29wZSI6ImludHJvc3BlY3QifQ." : await BackendTokenAsync("plain-backend", "system/Patient.rs");
        var app = await _smart.StandaloneAsync(SmartHarness.PatientUser, "patient/Observation.rs");
        var (status, body) = await IntrospectWithBearerAsync(bearer, (string)app["access_token"]!);
        Assert.Equal("invalid_client", (string?)body["error"]);
        Assert.NotEqual(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task A_confidential_client_registered_for_introspect_sees_other_apps_tokens_others_only_their_own()
    {
        var app = (string)(await _smart.StandaloneAsync(SmartHarness.PatientUser, "patient/Observation.rs"))["access_token"]!;
        var form = new Dictionary<string, string> { ["token"] = app };
        var authorized = await _smart.PostFormAsync("connect/introspect", form, ("introspector", IntrospectorSecret));
        Assert.True((bool?)authorized.Body["active"], authorized.Body.ToJsonString());
        Assert.Equal(SmartHarness.PublicApp, (string?)authorized.Body["client_id"]);
        var other = await _smart.PostFormAsync("connect/introspect", form, (SmartHarness.ConfidentialApp, SmartHarness.AppSecret));
        Assert.False((bool?)other.Body["active"]);
    }

    [Fact]
    public async Task A_client_not_registered_for_introspect_cannot_introspect_another_apps_refresh_token()
    {
        var app = await _smart.StandaloneAsync(SmartHarness.PatientUser, "patient/Observation.rs offline_access");
        var form = new Dictionary<string, string> { ["token"] = (string)app["refresh_token"]! };
        var other = await _smart.PostFormAsync("connect/introspect", form, (SmartHarness.ConfidentialApp, SmartHarness.AppSecret));
        Assert.False((bool?)other.Body["active"], other.Body.ToJsonString());
        var authorized = await _smart.PostFormAsync("connect/introspect", form, ("introspector", IntrospectorSecret));
        Assert.True((bool?)authorized.Body["active"], authorized.Body.ToJsonString());
    }
}
