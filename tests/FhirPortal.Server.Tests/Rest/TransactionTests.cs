using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Rest;

public sealed class TransactionTests : IDisposable
{
    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public TransactionTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    private static JsonObject Bundle(string type, params JsonObject[] entries) =>
        new() { ["resourceType"] = "Bundle", ["type"] = type, ["entry"] = new JsonArray(entries) };

    private static JsonObject Entry(string method, string url, JsonObject? resource = null, string? fullUrl = null, string? ifNoneExist = null, string? ifMatch = null)
    {
        var request = new JsonObject { ["method"] = method, ["url"] = url };
        if (ifNoneExist is not null) request["ifNoneExist"] = ifNoneExist;
        if (ifMatch is not null) request["ifMatch"] = ifMatch;
        var entry = new JsonObject { ["request"] = request };
        if (fullUrl is not null) entry["fullUrl"] = fullUrl;
        if (resource is not null) entry["resource"] = resource;
        return entry;
    }

    private static JsonObject Patient(string mrn, string family) => new()
    {
        ["resourceType"] = "Patient",
        ["identifier"] = new JsonArray(new JsonObject { ["system"] = "urn:mrn", ["value"] = mrn }),
        ["name"] = new JsonArray(new JsonObject { ["family"] = family }),
    };

    private async Task<int> CountAsync(string type)
    {
        var bundle = await (await _client.GetAsync($"{type}?_count=1000")).ReadJsonAsync();
        return bundle["entry"]?.AsArray().Count ?? 0;
    }

    [Fact]
    public async Task Transaction_resolves_urn_uuids_and_conditional_references_and_answers_each_entry()
    {
        var org = await _client.PostAsync("Organization", Fhir.Body("""{"resourceType":"Organization","identifier":[{"system":"urn:org","value":"clinic"}]}"""));
        var orgId = (string)(await org.ReadJsonAsync())["id"]!;
        await _client.PutAsync("Practitioner/doc", Fhir.Body("""{"resourceType":"Practitioner","id":"doc"}"""));

        var patient = Patient("1", "Chalmers");
        patient["managingOrganization"] = new JsonObject { ["reference"] = "Organization?identifier=urn:org|clinic" };
        var observation = new JsonObject
        {
            ["resourceType"] = "Observation",
            ["status"] = "final",
            ["code"] = new JsonObject { ["text"] = "weight" },
            ["subject"] = new JsonObject { ["reference"] = "urn:uuid:0f3e4b2c-1111-4a4a-9c9c-000000000001" },
            ["performer"] = new JsonArray(new JsonObject { ["reference"] = "Practitioner/doc" }),
        };
        var bundle = Bundle("transaction",
            Entry("POST", "Observation", observation, "urn:uuid:0f3e4b2c-1111-4a4a-9c9c-000000000002"),
            Entry("POST", "Patient", patient, "urn:uuid:0f3e4b2c-1111-4a4a-9c9c-000000000001"),
            Entry("DELETE", "Practitioner/nobody"));

        var response = await _client.PostAsync("", Fhir.Body(bundle));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadJsonAsync();
        Assert.Equal("transaction-response", (string?)result["type"]);
        var entries = result["entry"]!.AsArray();
        Assert.Equal(3, entries.Count);
        Assert.StartsWith("201", (string?)entries[0]!["response"]!["status"]);
        Assert.StartsWith("201", (string?)entries[1]!["response"]!["status"]);
        Assert.Equal("W/\"1\"", (string?)entries[1]!["response"]!["etag"]);
        var patientLocation = (string)entries[1]!["response"]!["location"]!;
        Assert.Matches("^Patient/[^/]+/_history/1$", patientLocation);
        var patientId = patientLocation.Split('/')[1];

        var storedObservation = await (await _client.GetAsync(((string)entries[0]!["response"]!["location"]!).Split("/_history")[0])).ReadJsonAsync();
        Assert.Equal($"Patient/{patientId}", (string?)storedObservation["subject"]!["reference"]);
        Assert.Equal("Practitioner/doc", (string?)storedObservation["performer"]![0]!["reference"]);
        var storedPatient = await (await _client.GetAsync($"Patient/{patientId}")).ReadJsonAsync();
        Assert.Equal($"Organization/{orgId}", (string?)storedPatient["managingOrganization"]!["reference"]);
    }

    [Fact]
    public async Task A_failing_entry_leaves_nothing_behind()
    {
        await _client.PutAsync("Patient/keep", Fhir.Body("""{"resourceType":"Patient","id":"keep","active":true}"""));
        var bundle = Bundle("transaction",
            Entry("POST", "Patient", Patient("1", "A")),
            Entry("PUT", "Patient/keep", new JsonObject { ["resourceType"] = "Patient", ["id"] = "keep", ["active"] = false }),
            Entry("DELETE", "Patient/keep"),
            Entry("PUT", "Patient/other", new JsonObject { ["resourceType"] = "Patient", ["id"] = "other" }, ifMatch: "W/\"7\""));

        var response = await _client.PostAsync("", Fhir.Body(bundle));

        Assert.False(response.IsSuccessStatusCode);
        Assert.Equal("OperationOutcome", (string?)(await response.ReadJsonAsync())["resourceType"]);
        Assert.Equal(1, await CountAsync("Patient"));
        var keep = await (await _client.GetAsync("Patient/keep")).ReadJsonAsync();
        Assert.Equal("1", (string?)keep["meta"]!["versionId"]);
        var history = await (await _client.GetAsync("_history")).ReadJsonAsync();
        Assert.Single(history["entry"]!.AsArray());
    }

    [Fact]
    public async Task A_conditional_reference_that_matches_nothing_fails_the_transaction()
    {
        var patient = Patient("1", "A");
        patient["managingOrganization"] = new JsonObject { ["reference"] = "Organization?identifier=urn:org|missing" };

        var response = await _client.PostAsync("", Fhir.Body(Bundle("transaction", Entry("POST", "Patient", patient))));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Organization?identifier=urn:org|missing", (string?)(await response.ReadJsonAsync())["issue"]![0]!["diagnostics"]);
        Assert.Equal(0, await CountAsync("Patient"));
    }

    [Fact]
    public async Task Two_entries_for_the_same_resource_are_rejected()
    {
        var bundle = Bundle("transaction",
            Entry("PUT", "Patient/a", new JsonObject { ["resourceType"] = "Patient", ["id"] = "a" }),
            Entry("DELETE", "Patient/a"));

        var response = await _client.PostAsync("", Fhir.Body(bundle));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await CountAsync("Patient"));
    }

    [Fact]
    public async Task Racing_transactions_with_the_same_conditional_create_store_one_resource()
    {
        var tasks = Enumerable.Range(0, 12).Select(_ => _client.PostAsync("", Fhir.Body(
            Bundle("transaction", Entry("POST", "Patient", Patient("race", "Racer"), "urn:uuid:0f3e4b2c-1111-4a4a-9c9c-00000000000a", ifNoneExist: "identifier=urn:mrn|race")))));
        var responses = await Task.WhenAll(tasks);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var statuses = new List<string>();
        foreach (var r in responses) statuses.Add((string)(await r.ReadJsonAsync())["entry"]![0]!["response"]!["status"]!);
        Assert.Single(statuses, s => s.StartsWith("201"));
        Assert.Equal(11, statuses.Count(s => s.StartsWith("200")));
        Assert.Equal(1, await CountAsync("Patient"));
    }

    [Fact]
    public async Task Transaction_patch_entries_apply_both_patch_formats()
    {
        await _client.PutAsync("Patient/p", Fhir.Body("""{"resourceType":"Patient","id":"p","active":true,"name":[{"family":"Old"}]}"""));
        var fhirPathPatch = JsonNode.Parse("""
            {"resourceType":"Parameters","parameter":[{"name":"operation","part":[
              {"name":"type","valueCode":"replace"},{"name":"path","valueString":"Patient.active"},{"name":"value","valueBoolean":false}]}]}
            """)!.AsObject();
        var jsonPatch = new JsonObject
        {
            ["resourceType"] = "Binary",
            ["contentType"] = "application/json-patch+json",
            ["data"] = Convert.ToBase64String("""[{"op":"replace","path":"/name/0/family","value":"New"}]"""u8.ToArray()),
        };
        var bundle = Bundle("transaction",
            Entry("PATCH", "Patient/p", fhirPathPatch),
            Entry("PATCH", "Observation/none", jsonPatch));

        var failed = await _client.PostAsync("", Fhir.Body(bundle));
        Assert.Equal(HttpStatusCode.NotFound, failed.StatusCode);

        bundle["entry"]!.AsArray()[1] = Entry("PATCH", "Patient/q", (JsonObject)jsonPatch.DeepClone());
        await _client.PutAsync("Patient/q", Fhir.Body("""{"resourceType":"Patient","id":"q","name":[{"family":"Old"}]}"""));
        var response = await _client.PostAsync("", Fhir.Body(bundle));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var p = await (await _client.GetAsync("Patient/p")).ReadJsonAsync();
        Assert.False((bool)p["active"]!);
        Assert.Equal("2", (string?)p["meta"]!["versionId"]);
        var q = await (await _client.GetAsync("Patient/q")).ReadJsonAsync();
        Assert.Equal("New", (string?)q["name"]![0]!["family"]);
    }

    [Fact]
    public async Task Batch_entries_succeed_or_fail_on_their_own()
    {
        var bundle = Bundle("batch",
            Entry("POST", "Patient", Patient("1", "Ok")),
            Entry("GET", "Patient/missing"),
            Entry("PUT", "Patient/x", new JsonObject { ["resourceType"] = "Observation", ["status"] = "final", ["code"] = new JsonObject { ["text"] = "x" } }),
            Entry("POST", "Patient", Patient("2", "AlsoOk")));

        var response = await _client.PostAsync("", Fhir.Body(bundle));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var result = await response.ReadJsonAsync();
        Assert.Equal("batch-response", (string?)result["type"]);
        var entries = result["entry"]!.AsArray();
        Assert.StartsWith("201", (string?)entries[0]!["response"]!["status"]);
        Assert.StartsWith("404", (string?)entries[1]!["response"]!["status"]);
        Assert.Equal("OperationOutcome", (string?)entries[1]!["response"]!["outcome"]!["resourceType"]);
        Assert.StartsWith("4", (string?)entries[2]!["response"]!["status"]);
        Assert.StartsWith("201", (string?)entries[3]!["response"]!["status"]);
        Assert.Equal(2, await CountAsync("Patient"));
    }

    [Fact]
    public async Task Get_entries_run_after_the_writes_and_return_their_results()
    {
        var bundle = Bundle("transaction",
            Entry("GET", "Patient?identifier=urn:mrn|7"),
            Entry("PUT", "Patient/seven", new JsonObject
            {
                ["resourceType"] = "Patient", ["id"] = "seven",
                ["identifier"] = new JsonArray(new JsonObject { ["system"] = "urn:mrn", ["value"] = "7" }),
            }));

        var result = await (await _client.PostAsync("", Fhir.Body(bundle))).ReadJsonAsync();

        var search = result["entry"]![0]!["resource"]!;
        Assert.Equal("searchset", (string?)search["type"]);
        Assert.Equal("seven", (string?)search["entry"]![0]!["resource"]!["id"]);
    }

    private static JsonObject ObservationOf(string subject) => new()
    {
        ["resourceType"] = "Observation", ["status"] = "final", ["code"] = new JsonObject { ["text"] = "x" },
        ["subject"] = new JsonObject { ["reference"] = subject },
    };

    [Theory]
    [InlineData("urn:uuid:0f3e4b2c-1111-4a4a-9c9c-0000000000ff")]
    [InlineData("urn:oid:1.2.3.4")]
    public async Task Transaction_with_a_reference_to_a_urn_no_entry_has_is_a_400_naming_the_entry_and_writes_nothing(string dangling)
    {
        var response = await _client.PostAsync("", Fhir.Body(Bundle("transaction",
            Entry("POST", "Patient", Patient("d1", "Dangling"), "urn:uuid:0f3e4b2c-1111-4a4a-9c9c-000000000001"),
            Entry("POST", "Observation", ObservationOf(dangling), "urn:uuid:0f3e4b2c-1111-4a4a-9c9c-000000000002"))));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var outcome = await response.ReadJsonAsync();
        Assert.Equal("OperationOutcome", (string?)outcome["resourceType"]);
        var issue = outcome["issue"]![0]!;
        Assert.Contains(dangling, (string?)issue["diagnostics"]);
        Assert.Contains("Entry 1", (string?)issue["diagnostics"]);
        Assert.Equal("Bundle.entry[1]", (string?)issue["expression"]![0]);
        Assert.Equal(0, await CountAsync("Patient"));
        Assert.Equal(0, await CountAsync("Observation"));
    }

    [Fact]
    public async Task Batch_entry_with_a_urn_reference_fails_on_its_own_and_the_others_succeed()
    {
        // R4: batch entries may not depend on each other, so a urn:uuid can never be resolved in a batch.
        var response = await _client.PostAsync("", Fhir.Body(Bundle("batch",
            Entry("POST", "Patient", Patient("b1", "Batch"), "urn:uuid:0f3e4b2c-1111-4a4a-9c9c-000000000001"),
            Entry("POST", "Observation", ObservationOf("urn:uuid:0f3e4b2c-1111-4a4a-9c9c-000000000001")))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entries = (await response.ReadJsonAsync())["entry"]!.AsArray();
        Assert.StartsWith("201", (string?)entries[0]!["response"]!["status"]);
        Assert.StartsWith("400", (string?)entries[1]!["response"]!["status"]);
        Assert.Contains("urn:uuid:0f3e4b2c-1111-4a4a-9c9c-000000000001", entries[1]!["response"]!["outcome"]!.ToJsonString());
        Assert.Equal(1, await CountAsync("Patient"));
        Assert.Equal(0, await CountAsync("Observation"));
    }

    [Fact]
    public async Task A_document_Bundle_written_in_a_transaction_keeps_its_own_urn_references()
    {
        var document = new JsonObject
        {
            ["resourceType"] = "Bundle", ["type"] = "collection",
            ["entry"] = new JsonArray(
                new JsonObject { ["fullUrl"] = "urn:uuid:0f3e4b2c-2222-4a4a-9c9c-000000000001", ["resource"] = Patient("doc1", "Inner") },
                new JsonObject { ["fullUrl"] = "urn:uuid:0f3e4b2c-2222-4a4a-9c9c-000000000002", ["resource"] = ObservationOf("urn:uuid:0f3e4b2c-2222-4a4a-9c9c-000000000001") }),
        };
        var response = await _client.PostAsync("", Fhir.Body(Bundle("transaction", Entry("POST", "Bundle", document))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
