using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using FhirPortal.Auth.Handlers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FhirPortal.Auth.Tests.Smart;

/// <summary>
/// SMART Backend Services (client_credentials + private_key_jwt): RS384 keys registered inline, ES384 keys at a JWKS
/// URL; expired, too long-lived, replayed and wrongly signed assertions are invalid_client.
/// </summary>
public sealed class BackendServicesTests : IAsyncLifetime
{
    private const string TokenUrl = "http://localhost/connect/token", JwksUrl = "https://backend.example/jwks.json";
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ECDsa _ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private SmartHarness _smart = null!;

    public async Task InitializeAsync()
    {
        var ecJwks = Jwks(Jwk(_ec, "ec-1"));
        _smart = await SmartHarness.StartAsync(services: s => s.AddHttpClient(ClientProperties.JwksHttpClient)
            .ConfigurePrimaryHttpMessageHandler(() => new JwksStub(JwksUrl, ecJwks)));
        var admin = await _smart.SignedInBrowserAsync("admin");
        foreach (var registration in new object[]
        {
            new { clientId = "rs-backend", jwks = Jwks(Jwk(_rsa, "rs-1")), allowedScopes = new[] { "system/*" } },
            new { clientId = "ec-backend", jwksUri = JwksUrl, allowedScopes = new[] { "system/Patient.rs", "system/Observation.rs" } },
        })
        {
            var response = await admin.PostAsJsonAsync("auth/admin/clients", registration);
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }
    }

    public async Task DisposeAsync() { await _smart.DisposeAsync(); _rsa.Dispose(); _ec.Dispose(); }

    private static JsonObject Jwk(RSA rsa, string kid)
    {
        var p = rsa.ExportParameters(false);
        return new JsonObject { ["kty"] = "RSA", ["kid"] = kid, ["alg"] = "RS384", ["use"] = "sig", ["n"] = SmartHarness.Base64Url(p.Modulus!), ["e"] = SmartHarness.Base64Url(p.Exponent!) };
    }

    private static JsonObject Jwk(ECDsa ec, string kid)
    {
        var p = ec.ExportParameters(false);
        return new JsonObject { ["kty"] = "EC", ["kid"] = kid, ["alg"] = "ES384", ["crv"] = "P-384", ["x"] = SmartHarness.Base64Url(p.Q.X!), ["y"] = SmartHarness.Base64Url(p.Q.Y!) };
    }

    private static string Jwks(JsonObject key) => new JsonObject { ["keys"] = new JsonArray(key) }.ToJsonString();

    private static string Assertion(string clientId, SecurityKey key, string alg, TimeSpan expiresIn, string? jti = null, string aud = TokenUrl)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = clientId,
            Audience = aud,
            Subject = new ClaimsIdentity([new Claim("sub", clientId), new Claim("jti", jti ?? Guid.NewGuid().ToString())]),
            IssuedAt = expiresIn < TimeSpan.Zero ? now.AddMinutes(-10) : now,
            NotBefore = expiresIn < TimeSpan.Zero ? now.AddMinutes(-10) : now,
            Expires = now + expiresIn,
            SigningCredentials = new SigningCredentials(key, alg),
        });
    }

    private SecurityKey RsaKey => new RsaSecurityKey(_rsa) { KeyId = "rs-1" };
    private SecurityKey EcKey => new ECDsaSecurityKey(_ec) { KeyId = "ec-1" };

    private Task<(HttpStatusCode Status, JsonObject Body, HttpResponseMessage Response)> Token(string assertion, string scope) =>
        _smart.PostFormAsync("connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["scope"] = scope,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", ["client_assertion"] = assertion,
        });

    [Fact]
    public async Task RS384_inline_key_gets_system_scopes_only()
    {
        var (status, body, _) = await Token(Assertion("rs-backend", RsaKey, "RS384", TimeSpan.FromMinutes(4)), "system/Patient.rs system/Observation.cruds patient/*.rs bogus");
        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        Assert.Equal("system/Observation.cruds system/Patient.rs", string.Join(' ', ((string)body["scope"]!).Split(' ').Order(StringComparer.Ordinal)));
        Assert.Equal("Bearer", (string?)body["token_type"]);
        Assert.Null(body["refresh_token"]);
        var access = SmartHarness.Claims((string)body["access_token"]!);
        Assert.Equal("rs-backend", (string?)access["client_id"]);
        Assert.Equal(SmartHarness.Fhir, (string?)access["aud"]);
    }

    [Fact]
    public async Task Backend_access_token_lives_at_most_five_minutes()
    {
        var (status, body, _) = await Token(Assertion("rs-backend", RsaKey, "RS384", TimeSpan.FromMinutes(4)), "system/Patient.rs");
        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        Assert.InRange((int)body["expires_in"]!, 295, 300); // whole seconds left, counted after issuing
        var access = SmartHarness.Claims((string)body["access_token"]!);
        Assert.Equal(300, (long)access["exp"]! - (long)access["iat"]!);
    }

    [Fact]
    public async Task ES384_key_fetched_from_a_JWKS_URL_works_and_is_limited_to_registered_scopes()
    {
        var (status, body, _) = await Token(Assertion("ec-backend", EcKey, "ES384", TimeSpan.FromMinutes(4)), "system/Patient.rs system/Encounter.rs");
        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        Assert.Equal("system/Patient.rs", (string?)body["scope"]);
    }

    [Fact]
    public async Task Replayed_jti_is_invalid_client()
    {
        var jti = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.OK, (await Token(Assertion("rs-backend", RsaKey, "RS384", TimeSpan.FromMinutes(4), jti), "system/*.rs")).Status);
        var replay = await Token(Assertion("rs-backend", RsaKey, "RS384", TimeSpan.FromMinutes(3), jti), "system/*.rs");
        Assert.Equal("invalid_client", (string?)replay.Body["error"]);
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("too-long")]
    [InlineData("wrong-key")]
    [InlineData("wrong-aud")]
    public async Task Bad_assertion_is_invalid_client(string kind)
    {
        using var otherKey = RSA.Create(2048);
        var assertion = kind switch
        {
            "expired" => Assertion("rs-backend", RsaKey, "RS384", TimeSpan.FromMinutes(-1)),
            "too-long" => Assertion("rs-backend", RsaKey, "RS384", TimeSpan.FromMinutes(30)),
            "wrong-key" => Assertion("rs-backend", new RsaSecurityKey(otherKey) { KeyId = "rs-1" }, "RS384", TimeSpan.FromMinutes(4)),
            _ => Assertion("rs-backend", RsaKey, "RS384", TimeSpan.FromMinutes(4), aud: "http://elsewhere.example/token"),
        };
        var (status, body, _) = await Token(assertion, "system/*.rs");
        Assert.True((string?)body["error"] == "invalid_client", body.ToJsonString());
        Assert.True(status is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Backend_access_token_introspects_as_active_for_its_client()
    {
        var (_, token, _) = await Token(Assertion("rs-backend", RsaKey, "RS384", TimeSpan.FromMinutes(4)), "system/Patient.rs");
        var introspected = await _smart.PostFormAsync("connect/introspect", new Dictionary<string, string>
        {
            ["token"] = (string)token["access_token"]!,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = Assertion("rs-backend", RsaKey, "RS384", TimeSpan.FromMinutes(4), aud: "http://localhost/connect/introspect"),
        });
        Assert.True((bool?)introspected.Body["active"], introspected.Body.ToJsonString());
        Assert.Equal("system/Patient.rs", (string?)introspected.Body["scope"]);
        Assert.Equal("rs-backend", (string?)introspected.Body["client_id"]);
    }

    private sealed class JwksStub(string url, string json) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) =>
            Task.FromResult(request.RequestUri?.ToString() == url
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") }
                : new HttpResponseMessage(HttpStatusCode.NotFound));
    }
}
