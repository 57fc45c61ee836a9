using System.Net;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Validation;

/// <summary>Write-time validation for patch and batch, the start-up check of the required profiles, and readiness after schema compilation.</summary>
public sealed class WritePolicyTests
{
    private const string ValidPatient = """{"resourceType":"Patient","identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"urn:mrn","value":"7"}],"name":[{"family":"Doe"}],"gender":"female","birthDate":"1990-01-01"}""";

    [Fact]
    public async Task Patch_that_breaks_the_required_profile_is_422_and_keeps_the_current_version()
    {
        using var host = new FhirPortalHost(settings: ValidationHosts.Production());
        var client = host.CreateFhirClient();
        var created = await client.PostAsync("Patient", Fhir.Body(ValidPatient));
        var id = (await created.ReadJsonAsync())["id"]!.GetValue<string>();
        var patch = new StringContent("""[{"op":"remove","path":"/birthDate"}]""", System.Text.Encoding.UTF8, "application/json-patch+json");
        var response = await client.PatchAsync($"Patient/{id}", patch);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var current = await (await client.GetAsync($"Patient/{id}")).ReadJsonAsync();
        Assert.Equal("1", current["meta"]!["versionId"]!.GetValue<string>());
        Assert.Equal("1990-01-01", current["birthDate"]!.GetValue<string>());
    }

    [Fact]
    public async Task Batch_rejects_only_the_invalid_entry()
    {
        using var host = new FhirPortalHost(settings: ValidationHosts.Production());
        var client = host.CreateFhirClient();
        var bundle = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "batch",
            ["entry"] = new JsonArray(
                new JsonObject { ["resource"] = JsonNode.Parse(ValidPatient), ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Patient" } },
                new JsonObject { ["resource"] = JsonNode.Parse("""{"resourceType":"Patient","gender":"male"}"""), ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Patient" } }),
        };
        var response = await (await client.PostAsync("", Fhir.Body(bundle))).ReadJsonAsync();
        var statuses = response["entry"]!.AsArray().Select(e => e!["response"]!["status"]!.GetValue<string>()).ToList();
        Assert.StartsWith("201", statuses[0]);
        Assert.StartsWith("422", statuses[1]);
        var outcome = response["entry"]![1]!["response"]!["outcome"]!;
        Assert.Contains(outcome["issue"]!.AsArray(), i => i!["expression"]?.AsArray().Any(e => e!.GetValue<string>().EndsWith("Patient.birthDate")) == true);
    }

    [Fact]
    public void Server_does_not_start_when_a_required_profile_is_missing()
    {
        var settings = ValidationHosts.Production();
        settings["FhirPortal:ProfilesDirectory"] = Path.Combine(Path.GetTempPath(), "no-such-profiles-" + Guid.NewGuid().ToString("N"));
        using var host = new FhirPortalHost(settings: settings);
        var error = Assert.ThrowsAny<Exception>(() => host.CreateFhirClient());
        Assert.Contains("portal-patient", error.ToString());
    }

    [Fact]
    public async Task Ready_reports_healthy_once_the_profiles_validation_schemas_are_compiled()
    {
        using var host = new FhirPortalHost(settings: ValidationHosts.Production());
        var client = host.CreateClient();
        var warmup = host.Services.GetRequiredService<ValidationWarmup>();
        HttpResponseMessage ready;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Not ready (503) while the stored profiles' schemas compile in the background; the probe never says ready before.
        while ((ready = await client.GetAsync("/health/ready")).StatusCode != HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromMinutes(2))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.True(warmup.Completion.IsCompletedSuccessfully);
    }
}

