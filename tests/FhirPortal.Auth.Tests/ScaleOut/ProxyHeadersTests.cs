using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Proxy;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace FhirPortal.Auth.Tests.ScaleOut;

/// <summary>
/// Behind a TLS-terminating proxy: X-Forwarded-Proto/-Host from a configured proxy make links, the issuer and
/// OpenIddict's HTTPS check use the proxy's https URL; the same headers from any other address change nothing.
/// </summary>
public sealed class ProxyHeadersTests
{
    private const string Proxy = "10.0.0.5", ProxyNetwork = "10.1.0.0/16", PublicHost = "portal.example.org";

    private static FhirPortalHost Host() => new(settings: new Dictionary<string, string?>
    {
        // Plain HTTP is refused on the OAuth endpoints, as in production: only the proxy's https makes them answer.
        ["FhirPortal:Auth:AllowHttp"] = "false",
        ["FhirPortal:Proxy:KnownProxies:0"] = Proxy,
        ["FhirPortal:Proxy:KnownNetworks:0"] = ProxyNetwork,
    });

    [Theory]
    [InlineData(Proxy)]
    [InlineData("10.1.200.3")]
    public async Task Requests_through_a_known_proxy_get_the_proxys_https_url_in_links_and_issuer(string remote)
    {
        using var host = Host();

        var (_, bundle) = await GetAsync(host, "/fhir/Patient", remote);
        var (_, smart) = await GetAsync(host, "/fhir/.well-known/smart-configuration", remote);
        var (status, openid) = await GetAsync(host, "/.well-known/openid-configuration", remote);

        Assert.StartsWith($"https://{PublicHost}/fhir/Patient", (string?)bundle!["link"]![0]!["url"]);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($"https://{PublicHost}/", (string?)openid!["issuer"]);
        Assert.Equal($"https://{PublicHost}/", (string?)smart!["issuer"]);
        Assert.Equal($"https://{PublicHost}/connect/token", (string?)smart["token_endpoint"]);
    }

    [Theory]
    [InlineData("10.0.0.9")]
    [InlineData("10.2.0.1")]
    [InlineData("203.0.113.50")]
    public async Task Forwarded_headers_from_an_unknown_address_are_ignored(string remote)
    {
        using var host = Host();

        var (_, bundle) = await GetAsync(host, "/fhir/Patient", remote);
        var (_, smart) = await GetAsync(host, "/fhir/.well-known/smart-configuration", remote);
        var (status, openid) = await GetAsync(host, "/.well-known/openid-configuration", remote);

        Assert.StartsWith("http://localhost/fhir/Patient", (string?)bundle!["link"]![0]!["url"]);
        Assert.Equal("http://localhost/", (string?)smart!["issuer"]);
        // OpenIddict's transport check still sees plain HTTP.
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_request", (string?)openid!["error"]);
    }

    [Fact]
    public async Task Without_configured_proxies_only_loopback_is_trusted()
    {
        using var host = new FhirPortalHost();

        var (_, fromLoopback) = await GetAsync(host, "/fhir/Patient", "127.0.0.1");
        var (_, fromElsewhere) = await GetAsync(host, "/fhir/Patient", Proxy);

        Assert.StartsWith($"https://{PublicHost}/fhir/", (string?)fromLoopback!["link"]![0]!["url"]);
        Assert.StartsWith("http://localhost/fhir/", (string?)fromElsewhere!["link"]![0]!["url"]);
    }

    [Theory]
    [InlineData("portal.example.org", "https://portal.example.org/fhir/Patient")]
    [InlineData("*.example.org", "https://portal.example.org/fhir/Patient")]
    [InlineData("other.example.net", "https://localhost/fhir/Patient")]
    public async Task A_forwarded_host_outside_AllowedHosts_is_ignored(string allowed, string link)
    {
        using var host = new FhirPortalHost(settings: new Dictionary<string, string?>
        {
            ["FhirPortal:Proxy:KnownProxies:0"] = Proxy,
            ["FhirPortal:Proxy:AllowedHosts:0"] = allowed,
        });

        var (_, bundle) = await GetAsync(host, "/fhir/Patient", Proxy);

        // The scheme still comes from the proxy; only the host a client could have passed through it is checked.
        Assert.StartsWith(link, (string?)bundle!["link"]![0]!["url"]);
    }

    [Theory]
    [InlineData(Proxy, true)]
    [InlineData("10.0.0.9", false)]
    public async Task Outside_Development_HSTS_is_sent_on_what_a_known_proxy_forwarded_as_https(string remote, bool hsts)
    {
        using var host = Host();
        using var production = host.WithWebHostBuilder(b => b.UseEnvironment("Production"));

        var context = await SendAsync(production, "/fhir/metadata", remote);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal(hsts, context.Response.Headers.ContainsKey("Strict-Transport-Security"));
    }

    [Theory]
    [InlineData("KnownProxies:0", "10.0.0.300")]
    [InlineData("KnownNetworks:0", "10.0.0.0")]
    [InlineData("KnownNetworks:0", "10.0.0.0/33")]
    public void A_proxy_entry_that_does_not_parse_stops_start_up(string key, string value)
    {
        using var host = new FhirPortalHost(settings: new Dictionary<string, string?> { [$"FhirPortal:Proxy:{key}"] = value });
        var error = Assert.ThrowsAny<Exception>(() => host.Server);
        Assert.Contains(value, error.ToString());
    }

    [Theory]
    [InlineData("urls", "http://0.0.0.0:8080", false)]
    [InlineData("urls", "http://0.0.0.0:8080;https://0.0.0.0:8443", true)]
    [InlineData("https_ports", "443", true)]
    [InlineData("Kestrel:Endpoints:Web:Url", "https://*:443", true)]
    [InlineData("Kestrel:Endpoints:Web:Url", "http://*:80", false)]
    public void Https_is_served_when_kestrel_is_configured_for_it(string key, string value, bool served)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();
        Assert.Equal(served, HttpsEndpoints.Served(configuration));
    }

    /// <summary>A GET as if it came over a connection from <paramref name="remote"/>, with the headers an https proxy sets.</summary>
    private static async Task<(HttpStatusCode Status, JsonNode? Body)> GetAsync(FhirPortalHost host, string path, string remote)
    {
        var context = await SendAsync(host, path, remote);
        var text = await new StreamReader(context.Response.Body).ReadToEndAsync();
        return ((HttpStatusCode)context.Response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    private static Task<HttpContext> SendAsync(WebApplicationFactory<Program> host, string path, string remote) =>
        host.Server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = path;
            c.Request.Headers.Accept = "application/fhir+json, application/json";
            c.Request.Headers["X-Forwarded-Proto"] = "https";
            c.Request.Headers["X-Forwarded-Host"] = PublicHost;
            c.Request.Headers["X-Forwarded-For"] = "198.51.100.7";
            c.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        });
}
