using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Scheduling;

/// <summary>$find, $hold and $book are declared on Appointment, backed by stored OperationDefinitions, and in Swagger.</summary>
public sealed class SchedulingCapabilityTests
{
    [Fact]
    public async Task The_CapabilityStatement_declares_the_scheduling_operations_backed_by_stored_OperationDefinitions()
    {
        await using var host = new FhirPortalHost(settings: new Dictionary<string, string?> { ["FhirPortal:ProfilesDirectory"] = null });
        var client = host.CreateFhirClient();

        var metadata = JsonNode.Parse(await client.GetStringAsync("metadata"))!;
        var appointment = metadata["rest"]![0]!["resource"]!.AsArray().Single(r => (string?)r!["type"] == "Appointment")!;
        foreach (var (name, parameter) in new[] { ("find", "visit-type"), ("hold", "appointment-resource"), ("book", "appointment-reference") })
        {
            var canonical = (string)appointment["operation"]!.AsArray().Single(o => (string?)o!["name"] == name)!["definition"]!;
            var found = JsonNode.Parse(await client.GetStringAsync($"OperationDefinition?url={Uri.EscapeDataString(canonical)}"))!;
            var definition = found["entry"]![0]!["resource"]!;
            Assert.Equal(name, (string?)definition["code"]);
            Assert.True((bool)definition["type"]!);
            Assert.Contains(parameter, definition["parameter"]!.AsArray().Select(p => (string)p!["name"]!));
        }

        var swagger = JsonNode.Parse(await host.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!;
        var paths = swagger["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/fhir/Appointment/$find", paths);
        Assert.Contains("/fhir/Appointment/$hold", paths);
        Assert.Contains("/fhir/Appointment/$book", paths);
    }
}
