using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace FhirPortal.Server.Tests.Sharing;

/// <summary>
/// The recipients' routes (<c>/shl/...</c>) are limited per client address (the forwarded one behind a proxy): over
/// the limit a 429 with Retry-After and an OperationOutcome, other addresses unaffected, and the limit resets.
/// </summary>
public sealed class ShareLinkRateLimitTests
{
    private const int Limit = 3;
    // Long enough that the probes and refusals below land in one window on a loaded CI machine (the Cosmos pass).
    private const string Window = "00:00:15";

    [Fact]
    public async Task An_address_over_the_limit_gets_429_until_its_window_resets_while_other_addresses_go_on()
    {
        using var host = new FhirPortalHost(settings: new Dictionary<string, string?>
        {
            ["FhirPortal:ShareLinks:RateLimitRequests"] = Limit.ToString(),
            ["FhirPortal:ShareLinks:RateLimitWindow"] = Window,
        });
        var link = await CreateLinkAsync(host);
        const string prober = "198.51.100.7", other = "198.51.100.8";

        // Probing link ids counts like asking a real link.
        for (var i = 0; i < Limit; i++)
            Assert.Equal(404, (await ManifestAsync(host, $"/shl/unknown-{i}", prober)).Response.StatusCode);
        var refused = await ManifestAsync(host, link, prober);

        Assert.Equal(429, refused.Response.StatusCode);
        var retryAfter = int.Parse(refused.Response.Headers.RetryAfter.ToString());
        Assert.InRange(retryAfter, 1, 15);
        var outcome = JsonNode.Parse(await new StreamReader(refused.Response.Body).ReadToEndAsync())!;
        Assert.Equal("OperationOutcome", (string?)outcome["resourceType"]);
        Assert.Equal("throttled", (string?)outcome["issue"]![0]!["code"]);
        // Every recipient route shares the address's limit.
        Assert.Equal(429, (await GetAsync(host, $"{link}?recipient=x", prober)).Response.StatusCode);
        Assert.Equal(429, (await GetAsync(host, $"{link}/file/some-ticket", prober)).Response.StatusCode);

        Assert.Equal(200, (await ManifestAsync(host, link, other)).Response.StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(retryAfter) + TimeSpan.FromMilliseconds(300));
        Assert.Equal(200, (await ManifestAsync(host, link, prober)).Response.StatusCode);
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    public void An_address_is_limited_alone_or_with_its_IPv6_64(string address, string partition) =>
        Assert.Equal(partition, ShareLinkRateLimit.Client(IPAddress.Parse(address)));

    /// <summary>Creates a link to Patient p1's summary on a host without security; answers its manifest path.</summary>
    private static async Task<string> CreateLinkAsync(FhirPortalHost host)
    {
        var client = host.CreateFhirClient();
        (await client.PutAsync("Patient/p1", Fhir.Body(new JsonObject { ["resourceType"] = "Patient", ["id"] = "p1" }))).EnsureSuccessStatusCode();
        var created = await (await ShareLinkData.CreateAsync(client, "p1",
            ("expires", "valueInstant", DateTimeOffset.UtcNow.AddDays(1).ToString("yyyy-MM-ddTHH:mm:ssZ")))).ReadJsonAsync();
        return new Uri((string)ShareLinkData.Payload((string)created["parameter"]![0]!["valueString"]!)["url"]!).AbsolutePath;
    }

    /// <summary>A manifest request forwarded by a proxy on the same machine (trusted by default) for <paramref name="client"/>.</summary>
    private static Task<HttpContext> ManifestAsync(FhirPortalHost host, string path, string client) =>
        host.Server.SendAsync(c =>
        {
            c.Request.Method = "POST";
            c.Request.Path = path;
            c.Request.ContentType = "application/json";
            c.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes("{\"recipient\": \"rate test\"}"));
            Forwarded(c, client);
        });

    private static Task<HttpContext> GetAsync(FhirPortalHost host, string pathAndQuery, string client) =>
        host.Server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            var query = pathAndQuery.IndexOf('?');
            c.Request.Path = query < 0 ? pathAndQuery : pathAndQuery[..query];
            if (query >= 0) c.Request.QueryString = new QueryString(pathAndQuery[query..]);
            Forwarded(c, client);
        });

    private static void Forwarded(HttpContext context, string client)
    {
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        context.Request.Headers["X-Forwarded-For"] = client;
    }
}
