using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Sharing;

/// <summary>The share-link operations are declared on Patient, backed by stored OperationDefinitions, and in Swagger with the recipients' routes.</summary>
public sealed class ShareLinkCapabilityTests
{
    [Fact]
    public async Task The_CapabilityStatement_declares_the_share_link_operations_backed_by_stored_OperationDefinitions()
    {
        await using var host = new FhirPortalHost(settings: new Dictionary<string, string?> { ["FhirPortal:ProfilesDirectory"] = null });
        var client = host.CreateFhirClient();

        var metadata = JsonNode.Parse(await client.GetStringAsync("metadata"))!;
        var patient = metadata["rest"]![0]!["resource"]!.AsArray().Single(r => (string?)r!["type"] == "Patient")!;
        foreach (var (name, parameter) in new[] { ("share-link", "expires"), ("share-links", "link"), ("share-link-revoke", "id") })
        {
            var canonical = (string)patient["operation"]!.AsArray().Single(o => (string?)o!["name"] == name)!["definition"]!;
            var found = JsonNode.Parse(await client.GetStringAsync($"OperationDefinition?url={Uri.EscapeDataString(canonical)}"))!;
            var definition = found["entry"]![0]!["resource"]!;
            Assert.Equal(name, (string?)definition["code"]);
            Assert.Contains(parameter, definition["parameter"]!.AsArray().Select(p => (string)p!["name"]!));
        }

        var swagger = JsonNode.Parse(await host.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!;
        var paths = swagger["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/fhir/Patient/{id}/$share-link", paths);
        Assert.Contains("/shl/{link}", paths);
        Assert.Contains("/shl/{link}/file/{ticket}", paths);
    }
}
