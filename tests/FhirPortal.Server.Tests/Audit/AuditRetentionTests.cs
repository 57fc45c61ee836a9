using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core.Audit;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Audit;

/// <summary>
/// The retention purge removes AuditEvents recorded before <c>FhirPortal:Audit:Retention</c> for good (current
/// version, history, search index) and nothing else: recent AuditEvents and old resources of other types stay.
/// </summary>
public sealed class AuditRetentionTests
{
    private static readonly DateTimeOffset LongAgo = DateTimeOffset.UtcNow.AddYears(-7);

    [Fact]
    public async Task Purge_removes_audit_events_older_than_the_retention_with_their_history()
    {
        using var host = new FhirPortalHost();
        var client = host.CreateFhirClient();
        await PutAsync(client, AuditEvent("old-1", LongAgo));
        await PutAsync(client, AuditEvent("old-1", LongAgo, outcome: "4"));   // a second version: history to remove too
        await PutAsync(client, AuditEvent("old-2", LongAgo.AddDays(30)));
        await PutAsync(client, AuditEvent("recent", DateTimeOffset.UtcNow.AddDays(-1)));
        await PutAsync(client, Observation("old-obs", LongAgo));

        var purged = await host.Services.GetRequiredService<AuditRetention>().PurgeAsync(CancellationToken.None);

        Assert.Equal(2, purged);
        foreach (var id in new[] { "old-1", "old-2" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"AuditEvent/{id}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"AuditEvent/{id}/_history/1")).StatusCode);
        }
        Assert.Equal(["recent"], await IdsAsync(client, "AuditEvent?_count=50"));
        Assert.Equal(["recent"], await IdsAsync(client, "AuditEvent/_history?_count=50"));
        Assert.Empty(await IdsAsync(client, $"AuditEvent?date=lt{DateTimeOffset.UtcNow.AddYears(-6):yyyy-MM-dd}"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Observation/old-obs")).StatusCode);
        Assert.Equal(["old-obs"], await IdsAsync(client, $"Observation?date=lt{DateTimeOffset.UtcNow.AddYears(-6):yyyy-MM-dd}"));
        Assert.Equal(0, await host.Services.GetRequiredService<AuditRetention>().PurgeAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Purge_honours_a_configured_retention()
    {
        using var host = new FhirPortalHost(settings: new Dictionary<string, string?> { ["FhirPortal:Audit:Retention"] = "30.00:00:00" });
        var client = host.CreateFhirClient();
        await PutAsync(client, AuditEvent("forty-days", DateTimeOffset.UtcNow.AddDays(-40)));
        await PutAsync(client, AuditEvent("twenty-days", DateTimeOffset.UtcNow.AddDays(-20)));

        Assert.Equal(1, await host.Services.GetRequiredService<AuditRetention>().PurgeAsync(CancellationToken.None));
        Assert.Equal(["twenty-days"], await IdsAsync(client, "AuditEvent"));
    }

    [Fact]
    public async Task Background_purge_runs_periodically_when_enabled()
    {
        using var host = new FhirPortalHost(settings: new Dictionary<string, string?>
        {
            ["FhirPortal:Audit:Purge"] = "true",
            ["FhirPortal:Audit:PurgeInterval"] = "00:00:01",
        });
        var client = host.CreateFhirClient();
        await PutAsync(client, AuditEvent("old", LongAgo));
        await PutAsync(client, AuditEvent("recent", DateTimeOffset.UtcNow));

        var until = DateTime.UtcNow.AddSeconds(60);
        while ((await client.GetAsync("AuditEvent/old")).StatusCode != HttpStatusCode.NotFound)
        {
            Assert.True(DateTime.UtcNow < until, "The background purge did not remove the old AuditEvent in time.");
            await Task.Delay(200);
        }
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("AuditEvent/recent")).StatusCode);
    }

    [Theory]
    [InlineData("FhirPortal:Audit:Retention", "00:00:00")]
    [InlineData("FhirPortal:Audit:Retention", "-1.00:00:00")]
    [InlineData("FhirPortal:Audit:PurgeInterval", "00:00:00")]
    [InlineData("FhirPortal:Audit:PurgeBatchSize", "0")]
    public void Invalid_retention_settings_stop_the_start(string setting, string value)
    {
        using var host = new FhirPortalHost(settings: new Dictionary<string, string?> { [setting] = value });
        var error = Assert.ThrowsAny<Exception>(() => host.CreateFhirClient());
        Assert.Contains(setting.Split(':')[^1], error.ToString());
    }

    private static async Task PutAsync(HttpClient client, JsonObject resource)
    {
        var response = await client.PutAsync($"{resource["resourceType"]}/{resource["id"]}", Fhir.Body(resource));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<List<string>> IdsAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bundle = await response.ReadJsonAsync();
        return (bundle["entry"] as JsonArray ?? []).Select(e => (string)e!["resource"]!["id"]!).Order().ToList();
    }

    private static JsonObject AuditEvent(string id, DateTimeOffset recorded, string outcome = "0") => new()
    {
        ["resourceType"] = "AuditEvent",
        ["id"] = id,
        ["type"] = new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/audit-event-type", ["code"] = "rest" },
        ["action"] = "R",
        ["recorded"] = recorded.ToString("yyyy-MM-ddTHH:mm:ssK"),
        ["outcome"] = outcome,
        ["agent"] = new JsonArray(new JsonObject { ["who"] = new JsonObject { ["reference"] = "Practitioner/dr-jones" }, ["requestor"] = true }),
        ["source"] = new JsonObject { ["observer"] = new JsonObject { ["display"] = "FhirPortal" } },
        ["entity"] = new JsonArray(new JsonObject
        {
            ["what"] = new JsonObject { ["reference"] = "Patient/p1" },
            ["role"] = new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/object-role", ["code"] = "1" },
        }),
    };

    private static JsonObject Observation(string id, DateTimeOffset effective) => new()
    {
        ["resourceType"] = "Observation",
        ["id"] = id,
        ["status"] = "final",
        ["code"] = new JsonObject { ["text"] = "weight" },
        ["subject"] = new JsonObject { ["reference"] = "Patient/p1" },
        ["effectiveDateTime"] = effective.ToString("yyyy-MM-ddTHH:mm:ssK"),
    };
}
