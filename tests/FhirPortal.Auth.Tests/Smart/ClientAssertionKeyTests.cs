using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FhirPortal.Auth.Tests.Smart;

/// <summary>
/// SMART Backend Services signature verification: the assertion's kid and jku choose the key (an unknown kid, a missing
/// kid among several keys or a jku other than the registered JWKS URL fail); sub must equal iss; a JWKS URL is fetched
/// again when its Cache-Control max-age ends, and early (rate limited) when an assertion names a key it lacks.
/// </summary>
public sealed class ClientAssertionKeyTests : IAsyncLifetime
{
    private const string TokenUrl = "http://localhost/connect/token";
    private readonly RSA _k1 = RSA.Create(2048), _k2 = RSA.Create(2048), _k3 = RSA.Create(2048);
    private readonly LoopbackJwksServer _jwks = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private SmartHarness _smart = null!;

    public async Task InitializeAsync()
    {
        _jwks.Jwks = Jwks(("url-1", _k1));
        _smart = await SmartHarness.StartAsync(services: s => s.AddSingleton<TimeProvider>(_clock));
        var admin = await _smart.SignedInBrowserAsync("admin");
        foreach (var registration in new object[]
        {
            new { clientId = "two-keys", jwks = Jwks(("k1", _k1), ("k2", _k2)), allowedScopes = new[] { "system/*" } },
            new { clientId = "one-key", jwks = Jwks(("k1", _k1)), allowedScopes = new[] { "system/*" } },
            new { clientId = "at-url", jwksUri = _jwks.Url, allowedScopes = new[] { "system/*" } },
        })
        {
            var response = await admin.PostAsJsonAsync("auth/admin/clients", registration);
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }
    }

    public async Task DisposeAsync()
    {
        await _smart.DisposeAsync();
        _jwks.Dispose();
        _k1.Dispose(); _k2.Dispose(); _k3.Dispose();
    }

    private static string Jwks(params (string Kid, RSA Key)[] keys) => new JsonObject
    {
        ["keys"] = new JsonArray([.. keys.Select(k =>
        {
            var p = k.Key.ExportParameters(false);
            return (JsonNode)new JsonObject { ["kty"] = "RSA", ["kid"] = k.Kid, ["alg"] = "RS384", ["n"] = SmartHarness.Base64Url(p.Modulus!), ["e"] = SmartHarness.Base64Url(p.Exponent!) };
        })]),
    }.ToJsonString();

    private string Assertion(string clientId, RSA key, string? kid, string? sub = null, string? jku = null)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = clientId,
            Audience = TokenUrl,
            Subject = new ClaimsIdentity([new Claim("sub", sub ?? clientId), new Claim("jti", Guid.NewGuid().ToString())]),
            IssuedAt = now, NotBefore = now, Expires = now.AddMinutes(4),
            AdditionalHeaderClaims = jku is null ? null : new Dictionary<string, object> { ["jku"] = jku },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = kid }, SecurityAlgorithms.RsaSha384),
        });
    }

    private async Task<(HttpStatusCode Status, string? Error)> Token(string assertion)
    {
        var (status, body, _) = await _smart.PostFormAsync("connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["scope"] = "system/Patient.rs",
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", ["client_assertion"] = assertion,
        });
        return (status, (string?)body["error"]);
    }

    [Theory]
    [InlineData("two-keys", "k1", true)]
    [InlineData("two-keys", "no-such-key", false)]
    [InlineData("two-keys", null, false)]
    [InlineData("one-key", "k1", true)]
    [InlineData("one-key", null, true)]
    [InlineData("one-key", "no-such-key", false)]
    public async Task The_kid_must_name_a_registered_key_and_may_be_left_out_only_when_there_is_one(string client, string? kid, bool accepted)
    {
        // k1 is registered for both clients and signs every assertion here: only the header's kid decides.
        var (status, error) = await Token(Assertion(client, _k1, kid));
        Assert.Equal(accepted ? HttpStatusCode.OK : HttpStatusCode.Unauthorized, status);
        Assert.Equal(accepted ? null : "invalid_client", error);
    }

    [Fact]
    public async Task The_key_the_kid_names_verifies_the_signature()
    {
        Assert.Equal(HttpStatusCode.OK, (await Token(Assertion("two-keys", _k2, "k2"))).Status);
        Assert.Equal("invalid_client", (await Token(Assertion("two-keys", _k1, "k2"))).Error);
    }

    [Fact]
    public async Task A_jku_other_than_the_registered_JWKS_URL_fails_and_the_registered_one_works()
    {
        Assert.Equal("invalid_client", (await Token(Assertion("at-url", _k1, "url-1", jku: "http://127.0.0.1:9/evil.json"))).Error);
        Assert.Equal("invalid_client", (await Token(Assertion("one-key", _k1, "k1", jku: _jwks.Url))).Error);
        Assert.Equal(HttpStatusCode.OK, (await Token(Assertion("at-url", _k1, "url-1", jku: _jwks.Url))).Status);
    }

    [Fact]
    public async Task Sub_other_than_iss_is_invalid_client()
    {
        var (status, error) = await Token(Assertion("one-key", _k1, "k1", sub: "someone-else"));
        Assert.Equal("invalid_client", error);
        Assert.NotEqual(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task A_key_added_at_the_JWKS_URL_is_used_after_a_rate_limited_refetch()
    {
        Assert.Equal(HttpStatusCode.OK, (await Token(Assertion("at-url", _k1, "url-1"))).Status);
        Assert.Equal(1, _jwks.Requests);

        // Unknown kids within the refetch interval cost at most one fetch.
        _jwks.Jwks = Jwks(("url-1", _k1), ("url-2", _k2));
        Assert.Equal("invalid_client", (await Token(Assertion("at-url", _k2, "url-2"))).Error);
        Assert.Equal("invalid_client", (await Token(Assertion("at-url", _k3, "nope"))).Error);
        Assert.Equal(1, _jwks.Requests);

        _clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(HttpStatusCode.OK, (await Token(Assertion("at-url", _k2, "url-2"))).Status);
        Assert.Equal(2, _jwks.Requests);
        Assert.Equal(HttpStatusCode.OK, (await Token(Assertion("at-url", _k1, "url-1"))).Status);
        Assert.Equal(2, _jwks.Requests);
    }

    [Fact]
    public async Task The_JWKS_is_fetched_again_when_its_max_age_ends()
    {
        _jwks.CacheControl = "max-age=60";
        Assert.Equal(HttpStatusCode.OK, (await Token(Assertion("at-url", _k1, "url-1"))).Status);
        _clock.Advance(TimeSpan.FromSeconds(50));
        Assert.Equal(HttpStatusCode.OK, (await Token(Assertion("at-url", _k1, "url-1"))).Status);
        Assert.Equal(1, _jwks.Requests);

        // The client replaced its key: after max-age the old one stops working and the new one works.
        _jwks.Jwks = Jwks(("url-2", _k2));
        _clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal("invalid_client", (await Token(Assertion("at-url", _k1, "url-1"))).Error);
        Assert.Equal(2, _jwks.Requests);
        Assert.Equal(HttpStatusCode.OK, (await Token(Assertion("at-url", _k2, "url-2"))).Status);
    }
}
