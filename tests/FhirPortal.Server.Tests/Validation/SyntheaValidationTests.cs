using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Fixtures;

namespace FhirPortal.Server.Tests.Validation;

/// <summary>
/// Synthea's bundles claim US Core profiles this server does not hold. With the production policy (portal profiles
/// required for the six portal types, validated on the R4 core package) they load completely, and $validate reports the
/// unknown profile as a warning; with UnknownProfile=Reject the same data is refused.
/// </summary>
public sealed class SyntheaValidationTests
{
    [SkippableFact]
    public async Task Synthea_load_passes_the_production_validation_policy()
    {
        var synthea = SharedFixtures.Require("synthea");
        using var host = new FhirPortalHost(settings: ValidationHosts.Production());
        var client = host.CreateFhirClient();
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        foreach (var file in SyntheaLoad.LoadOrder(synthea))
        {
            var response = await client.SendAsync(HttpMethod.Post, "", Fhir.Body(await File.ReadAllTextAsync(file)), ("Prefer", "return=minimal"));
            var body = await response.ReadJsonAsync();
            if (response.StatusCode != HttpStatusCode.OK) failures.Add($"{Path.GetFileName(file)}: {(int)response.StatusCode} {body.ToJsonString()[..Math.Min(1500, body.ToJsonString().Length)]}");
            else
                foreach (var entry in body["entry"]!.AsArray())
                    if (!entry!["response"]!["status"]!.GetValue<string>().StartsWith('2'))
                        failures.Add($"{Path.GetFileName(file)}: {entry["response"]!.ToJsonString()}");
        }
        Assert.Empty(failures);
        var patients = await (await client.GetAsync("Patient?_summary=count")).ReadJsonAsync();
        Assert.Equal(19, patients["total"]!.GetValue<int>());
        Console.WriteLine($"Synthea load with validation: {clock.Elapsed.TotalSeconds:F1} s");
    }

    [SkippableTheory]
    [InlineData("Warn", "warning", HttpStatusCode.Created)]
    [InlineData("Reject", "error", HttpStatusCode.UnprocessableEntity)]
    public async Task Synthea_patient_with_a_US_Core_claim_follows_the_UnknownProfile_setting(string policy, string severity, HttpStatusCode create)
    {
        var synthea = SharedFixtures.Require("synthea");
        using var host = new FhirPortalHost(settings: ValidationHosts.Production(("FhirPortal:Validation:UnknownProfile", policy)));
        var client = host.CreateFhirClient();
        var bundle = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(synthea, "8a4c9c04-1524-9f1c-d65b-9b17e4520fef.json")))!;
        var patient = bundle["entry"]!.AsArray().Select(e => e!["resource"]!).First(r => r["resourceType"]!.GetValue<string>() == "Patient").DeepClone();

        var outcome = await (await client.PostAsync("Patient/$validate", Fhir.Body(patient))).ReadJsonAsync();
        var issue = Assert.Single(outcome["issue"]!.AsArray(), i => i!["expression"]?[0]?.GetValue<string>() == "Patient.meta.profile")!;
        Assert.Equal(severity, issue["severity"]!.GetValue<string>());
        Assert.Contains("us-core-patient", issue["diagnostics"]!.GetValue<string>());
        Assert.Equal(create, (await client.PostAsync("Patient", Fhir.Body(patient))).StatusCode);
    }

    [SkippableFact]
    public async Task A_write_accepted_with_an_unknown_profile_returns_the_warning_as_its_outcome()
    {
        using var host = new FhirPortalHost(settings: ValidationHosts.Production());
        var client = host.CreateFhirClient();
        var patient = JsonNode.Parse("""
            {"resourceType":"Patient","meta":{"profile":["http://example.org/StructureDefinition/not-held"]},
             "identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"urn:mrn","value":"7"}],
             "name":[{"family":"Doe"}],"gender":"female","birthDate":"1980-01-01"}
            """)!;
        using var request = new HttpRequestMessage(HttpMethod.Post, "Patient") { Content = Fhir.Body(patient) };
        request.Headers.Add("Prefer", "return=OperationOutcome");
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var issues = (await response.ReadJsonAsync())["issue"]!.AsArray();
        Assert.Contains(issues, i => i!["severity"]!.GetValue<string>() == "warning" && i["diagnostics"]!.GetValue<string>().Contains("not-held"));

        var transaction = new JsonObject
        {
            ["resourceType"] = "Bundle", ["type"] = "transaction",
            ["entry"] = new JsonArray(new JsonObject { ["resource"] = patient.DeepClone(), ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Patient" } }),
        };
        var result = await (await client.PostAsync("", Fhir.Body(transaction))).ReadJsonAsync();
        var entryOutcome = result["entry"]![0]!["response"]!["outcome"]!;
        Assert.Contains(entryOutcome["issue"]!.AsArray(), i => i!["severity"]!.GetValue<string>() == "warning");
    }
}
