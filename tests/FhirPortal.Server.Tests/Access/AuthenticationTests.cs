using System.Net;
using System.Security.Claims;
using FhirPortal.Server.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Server.Tests.Access;

/// <summary>How the FHIR API authenticates (RFC 6750 challenges), its production default, the off switch, and CORS.</summary>
public sealed class AuthenticationTests(AccessData data) : IClassFixture<AccessData>
{
    [Fact]
    public async Task Request_without_token_is_401_with_a_bearer_challenge()
    {
        var response = await data.Host.CreateFhirClient().GetAsync("Patient/p1");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        // RFC 6750 3.1: no credentials, so no error code.
        Assert.Equal("Bearer realm=\"FhirPortal\"", response.Headers.WwwAuthenticate.ToString());
        var outcome = await response.ReadJsonAsync();
        Assert.Equal("OperationOutcome", (string?)outcome["resourceType"]);
        Assert.Equal("login", (string?)outcome["issue"]![0]!["code"]);
    }

    [Fact]
    public async Task Invalid_token_is_401_invalid_token()
    {
        var client = data.Host.CreateFhirClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", "invalid");
        var response = await client.GetAsync("Patient/p1");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
        Assert.DoesNotContain("Alpha", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Valid_token_lacking_the_scope_is_403_insufficient_scope_not_401()
    {
        var response = await data.Host.ClientWith("patient/Observation.rs", "p1").GetAsync("Practitioner/pr1");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("error=\"insufficient_scope\"", response.Headers.WwwAuthenticate.ToString());
        var outcome = await response.ReadJsonAsync();
        Assert.Equal("forbidden", (string?)outcome["issue"]![0]!["code"]);
        Assert.DoesNotContain("Zorro", outcome.ToJsonString());
    }

    [Fact]
    public async Task Token_with_only_identity_scopes_is_403()
    {
        var response = await data.Host.ClientWith("openid fhirUser launch offline_access", "p1").GetAsync("Patient/p1");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Metadata_needs_no_token()
    {
        var response = await data.Host.CreateFhirClient().GetAsync("metadata");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Default_configuration_enforces_access()
    {
        // null: no override, so appsettings.json and the option's default decide (no validation handler on this host).
        using var host = new FhirPortalHost(settings: new Dictionary<string, string?> { ["FhirPortal:Security:Enabled"] = null });
        var client = host.CreateFhirClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("Patient")).StatusCode);
        client.DefaultRequestHeaders.Authorization = new("Bearer", TestTokenHandler.Token("system/*.cruds"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("Patient")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("metadata")).StatusCode);
    }

    [Fact]
    public async Task Security_disabled_answers_without_token_and_warns_at_start_up()
    {
        var logs = new LogCapture();
        using var host = new FhirPortalHost(settings: new Dictionary<string, string?> { ["FhirPortal:Security:Enabled"] = "false" })
        {
            TestServices = s => s.AddSingleton<ILoggerProvider>(logs),
        };
        var client = host.CreateFhirClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("Patient", Fhir.Body("""{"resourceType":"Patient","active":true}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Patient")).StatusCode);
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Security:Enabled is false"));
    }

    [Fact]
    public async Task Cors_preflight_allows_configured_and_registered_client_origins_only()
    {
        using var host = AccessHost.Create(
            new Dictionary<string, string?> { ["FhirPortal:Security:Cors:Origins:0"] = "https://app.example.org" },
            s => s.AddSingleton<IAllowedOrigins>(new FixedOrigins("https://registered.example.org")));
        var client = host.CreateFhirClient();
        foreach (var (origin, allowed) in new[] { ("https://app.example.org", true), ("https://registered.example.org", true), ("https://evil.example.org", false) })
        {
            var preflight = await client.SendAsync(HttpMethod.Options, "Observation", null,
                ("Origin", origin), ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "authorization,content-type"));
            Assert.True(preflight.IsSuccessStatusCode, $"{origin}: {preflight.StatusCode}");
            Assert.Equal(allowed, preflight.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) && values.Single() == origin);
            if (allowed) Assert.Contains("authorization", string.Join(",", preflight.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Cors_exposes_location_and_version_headers_also_on_errors()
    {
        using var host = AccessHost.Create(new Dictionary<string, string?> { ["FhirPortal:Security:Cors:Origins:0"] = "https://app.example.org" });
        var client = host.SystemClient();
        var created = await client.SendAsync(HttpMethod.Post, "Patient", Fhir.Body("""{"resourceType":"Patient","active":true}"""), ("Origin", "https://app.example.org"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("https://app.example.org", created.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var exposed = string.Join(",", created.Headers.GetValues("Access-Control-Expose-Headers"));
        foreach (var header in new[] { "Location", "Content-Location", "ETag", "Last-Modified" }) Assert.Contains(header, exposed);

        // fhirclient must be able to read a 401/403 from another origin to tell "session expired" from "missing scope".
        var anonymous = await host.CreateFhirClient().SendAsync(HttpMethod.Get, "Patient", null, ("Origin", "https://app.example.org"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("https://app.example.org", anonymous.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public void Caller_comes_from_scope_and_OpenIddict_claims()
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim("scope", "openid patient/Observation.rs"),
            new Claim("oi_scp", "patient/Patient.rs"),
            new Claim("oi_scp", "launch/patient"),
            new Claim("patient", "p1"),
            new Claim("encounter", "e1"),
            new Claim("fhirUser", "Patient/p1"),
            new Claim("azp", "portal-app"),
        ], "test"));
        var caller = CallerClaims.FromPrincipal(principal);
        Assert.Equal(["openid", "patient/Observation.rs", "patient/Patient.rs", "launch/patient"], caller.Scopes);
        Assert.Equal(("p1", "e1", "Patient/p1", "portal-app"), (caller.PatientId, caller.EncounterId, caller.FhirUser, caller.ClientId));
        Assert.Equal("app", CallerClaims.FromPrincipal(new ClaimsPrincipal(new ClaimsIdentity([new Claim("client_id", "app"), new Claim("azp", "other")]))).ClientId);
    }

    private sealed class FixedOrigins(string origin) : IAllowedOrigins
    {
        public bool IsAllowed(string candidate) => candidate == origin;
    }

    [Theory]
    [InlineData("/fhir/Patient/p1", false)]
    [InlineData("/fhir/.well-known/smart-configuration", false)]
    [InlineData("/connect/token", true)]
    [InlineData("/.well-known/openid-configuration", true)]
    public async Task The_authorization_server_sees_only_requests_outside_the_FHIR_API(string path, bool offered)
    {
        var accessor = data.Host.Services.GetRequiredService<Microsoft.AspNetCore.Http.IHttpContextAccessor>();
        accessor.HttpContext = new Microsoft.AspNetCore.Http.DefaultHttpContext { Request = { Path = path } };
        try
        {
            var schemes = (await data.Host.Services.GetRequiredService<Microsoft.AspNetCore.Authentication.IAuthenticationSchemeProvider>()
                .GetRequestHandlerSchemesAsync()).Select(s => s.Name).ToList();
            Assert.Equal(offered, schemes.Contains(OpenIddict.Server.AspNetCore.OpenIddictServerAspNetCoreDefaults.AuthenticationScheme));
            // Token validation keeps its request handler everywhere: it authenticates FHIR requests.
            Assert.Contains(OpenIddict.Validation.AspNetCore.OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme, schemes);
        }
        finally { accessor.HttpContext = null; }
    }

    [Theory]
    [InlineData("connect/token", true)]
    [InlineData("/connect/token", true)]
    [InlineData("https://portal.example/connect/token", true)]
    [InlineData("/fhirx/token", true)]
    [InlineData("fhir/token", false)]
    [InlineData("/FHIR/token", false)]
    [InlineData("https://portal.example/fhir/token", false)]
    public void An_authorization_server_endpoint_under_the_FHIR_API_is_refused_at_start_up(string token, bool accepted)
    {
        var options = new OpenIddict.Server.OpenIddictServerOptions();
        options.TokenEndpointUris.Add(new Uri(token, UriKind.RelativeOrAbsolute));
        Assert.Equal(accepted, FhirApiRequestHandlers.EndpointsOutsideFhir(options));
        // The running server's own endpoints pass (the check runs at its start-up).
        Assert.True(FhirApiRequestHandlers.EndpointsOutsideFhir(data.Host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<OpenIddict.Server.OpenIddictServerOptions>>().Value));
    }
}
