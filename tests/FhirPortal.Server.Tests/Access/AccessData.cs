using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Access;

/// <summary>
/// One secured host with two patients' data and shared resources, seeded by a system client:
/// p1 (the launch patient) and p2, Practitioner pr1 and PractitionerRole role1, a laboratory Observation
/// "carrier" of p1 whose hasMember points at p1's and p2's lab results (both derived from it and performed by
/// pr1), and a vital-signs Observation of p1.
/// </summary>
public sealed class AccessData : IAsyncLifetime
{
    public const string Laboratory = "http://terminology.hl7.org/CodeSystem/observation-category|laboratory";

    public FhirPortalHost Host { get; } = AccessHost.Create();

    public async Task InitializeAsync()
    {
        var system = Host.SystemClient();
        await PutAsync(system, new JsonObject { ["resourceType"] = "Patient", ["id"] = "p1", ["name"] = new JsonArray(new JsonObject { ["family"] = "Alpha" }) });
        await PutAsync(system, new JsonObject { ["resourceType"] = "Patient", ["id"] = "p2", ["name"] = new JsonArray(new JsonObject { ["family"] = "Beta" }) });
        await PutAsync(system, new JsonObject { ["resourceType"] = "Practitioner", ["id"] = "pr1", ["name"] = new JsonArray(new JsonObject { ["family"] = "Zorro" }) });
        await PutAsync(system, new JsonObject { ["resourceType"] = "PractitionerRole", ["id"] = "role1", ["practitioner"] = Ref("Practitioner/pr1") });
        var carrier = Observation("carrier", "p1", "laboratory");
        carrier["hasMember"] = new JsonArray(Ref("Observation/own-lab"), Ref("Observation/other-lab"));
        await PutAsync(system, carrier);
        await PutAsync(system, Observation("own-lab", "p1", "laboratory"));
        await PutAsync(system, Observation("other-lab", "p2", "laboratory"));
        await PutAsync(system, Observation("own-vital", "p1", "vital-signs"));
    }

    public Task DisposeAsync()
    {
        Host.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>An Observation of a patient in a category, coded with its own id (so searches can find exactly it).</summary>
    public static JsonObject Observation(string id, string patient, string category) => new()
    {
        ["resourceType"] = "Observation",
        ["id"] = id,
        ["status"] = "final",
        ["category"] = new JsonArray(new JsonObject
        {
            ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/observation-category", ["code"] = category }),
        }),
        ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "urn:test", ["code"] = id }) },
        ["subject"] = Ref($"Patient/{patient}"),
        // Released long ago: existing record, not a new result, so no "new result" notice joins the patient's record.
        ["issued"] = "2020-03-02T09:00:00Z",
        ["performer"] = new JsonArray(Ref("Practitioner/pr1")),
        ["derivedFrom"] = new JsonArray(Ref("Observation/carrier")),
    };

    public static JsonObject Ref(string reference) => new() { ["reference"] = reference };

    public static async Task PutAsync(HttpClient client, JsonObject resource)
    {
        var response = await client.PutAsync($"{resource["resourceType"]}/{resource["id"]}", Fhir.Body(resource));
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Created))
            throw new InvalidOperationException($"Seeding {resource["resourceType"]}/{resource["id"]} failed: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The ids of a Bundle's entries, as Type/id.</summary>
    public static async Task<List<string>> EntryKeysAsync(HttpResponseMessage response)
    {
        var bundle = await response.ReadJsonAsync();
        return (bundle["entry"]?.AsArray() ?? [])
            .Select(e => e?["resource"])
            .Where(r => r is not null && (string?)r["resourceType"] != "OperationOutcome")
            .Select(r => $"{r!["resourceType"]}/{r["id"]}")
            .ToList();
    }
}
