using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Trends;

/// <summary>$lastn and $stats are declared on Observation, backed by stored OperationDefinitions, and in Swagger.</summary>
public sealed class TrendsCapabilityTests
{
    [Fact]
    public async Task The_CapabilityStatement_declares_lastn_and_stats_backed_by_stored_OperationDefinitions()
    {
        await using var host = new FhirPortalHost(settings: new Dictionary<string, string?> { ["FhirPortal:ProfilesDirectory"] = null });
        var client = host.CreateFhirClient();

        var metadata = JsonNode.Parse(await client.GetStringAsync("metadata"))!;
        var observation = metadata["rest"]![0]!["resource"]!.AsArray().Single(r => (string?)r!["type"] == "Observation")!;
        foreach (var (name, parameter) in new[] { ("lastn", "max"), ("stats", "statistic") })
        {
            var canonical = (string)observation["operation"]!.AsArray().Single(o => (string?)o!["name"] == name)!["definition"]!;
            var found = JsonNode.Parse(await client.GetStringAsync($"OperationDefinition?url={Uri.EscapeDataString(canonical)}"))!;
            var definition = found["entry"]![0]!["resource"]!;
            Assert.Equal(name, (string?)definition["code"]);
            Assert.StartsWith("http://hl7.org/fhir/OperationDefinition/Observation-", (string?)definition["base"]);
            Assert.Contains(parameter, definition["parameter"]!.AsArray().Select(p => (string)p!["name"]!));
        }

        var swagger = JsonNode.Parse(await host.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!;
        var paths = swagger["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/fhir/Observation/$lastn", paths);
        Assert.Contains("/fhir/Observation/$stats", paths);
    }
}
