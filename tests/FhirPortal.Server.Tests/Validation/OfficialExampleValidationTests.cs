using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Validation;

/// <summary>
/// Every official R4 example of the six portal types validates against the core definitions (POST $validate,
/// no profile asked for) with no error-level issue, on a server whose write policy requires the portal profiles.
/// </summary>
public sealed class OfficialExampleValidationTests
{
    private static readonly string[] PortalTypes = ["Patient", "Observation", "Appointment", "MedicationRequest", "Communication", "Claim"];

    [Fact]
    public async Task Official_examples_of_the_portal_types_have_no_errors_against_core_definitions()
    {
        var examples = SharedFixtures.Require("examples");
        var definitions = SharedFixtures.Require("definitions");
        if (examples is null || definitions is null) return;
        using var host = new FhirPortalHost(settings: ValidationHosts.Production(definitions));
        var client = host.CreateFhirClient();
        var failures = new List<string>();
        var count = 0;
        foreach (var type in PortalTypes)
        foreach (var file in Directory.EnumerateFiles(examples, $"{type}-*.json").Order(StringComparer.Ordinal))
        {
            count++;
            var response = await client.PostAsync($"{type}/$validate", Fhir.Body(await File.ReadAllTextAsync(file)));
            var outcome = await response.ReadJsonAsync();
            if ((int)response.StatusCode != 200) failures.Add($"{Path.GetFileName(file)}: HTTP {(int)response.StatusCode} {outcome["issue"]?[0]?["diagnostics"]}");
            else
            foreach (var issue in outcome["issue"]!.AsArray())
                if (issue!["severity"]!.GetValue<string>() is "error" or "fatal")
                    failures.Add($"{Path.GetFileName(file)}: {issue["expression"]?[0]} {issue["diagnostics"]}");
        }
        Assert.Equal(149, count);
        Assert.Empty(failures);
    }
}
