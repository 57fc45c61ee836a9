using System.Net;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace FhirPortal.Server.Tests.Rest;

/// <summary>The CapabilityStatement, and that what it claims for Patient works; Swagger and health endpoints.</summary>
public sealed class MetadataTests : IDisposable
{
    private static readonly string[] TypeInteractions =
        ["read", "vread", "update", "patch", "delete", "history-instance", "history-type", "create", "search-type"];

    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public MetadataTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    private async Task<JsonNode> MetadataAsync()
    {
        var response = await _client.GetAsync("metadata");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        return await response.ReadJsonAsync();
    }

    private static IEnumerable<string> Strings(JsonNode? array) =>
        (array as JsonArray ?? []).Select(n => n!.GetValue<string>());

    private static IEnumerable<string> Codes(JsonNode? interactions) =>
        (interactions as JsonArray ?? []).Select(i => i!["code"]!.GetValue<string>());

    [Fact]
    public async Task Metadata_is_an_R4_CapabilityStatement_for_json_and_xml()
    {
        var cs = await MetadataAsync();
        Assert.Equal("CapabilityStatement", cs["resourceType"]!.GetValue<string>());
        Assert.Equal("4.0.1", cs["fhirVersion"]!.GetValue<string>());
        Assert.Equal("active", cs["status"]!.GetValue<string>());
        Assert.Equal("instance", cs["kind"]!.GetValue<string>());
        Assert.Equal("http://localhost/fhir", cs["implementation"]!["url"]!.GetValue<string>());
        var formats = Strings(cs["format"]).ToList();
        Assert.Contains("application/fhir+json", formats);
        Assert.Contains("application/fhir+xml", formats);
        Assert.Contains("json", formats);
        Assert.Contains("xml", formats);
        Assert.Contains("application/json-patch+json", Strings(cs["patchFormat"]));

        var rest = Assert.Single(cs["rest"]!.AsArray())!;
        Assert.Equal("server", rest["mode"]!.GetValue<string>());
        Assert.Equal(["transaction", "batch", "history-system", "search-system"], Codes(rest["interaction"]).ToArray());
    }

    [Fact]
    public async Task Every_R4_resource_type_is_declared_with_all_interactions_and_conditional_flags()
    {
        var cs = await MetadataAsync();
        var resources = cs["rest"]![0]!["resource"]!.AsArray();
        Assert.Equal(146, resources.Count);
        var types = resources.Select(r => r!["type"]!.GetValue<string>()).ToList();
        Assert.Equal(types.Count, types.Distinct().Count());
        Assert.Equal(types.OrderBy(t => t, StringComparer.Ordinal), types);
        Assert.Contains("Patient", types);
        Assert.Contains("Observation", types);
        Assert.Contains("Bundle", types);
        Assert.Contains("Parameters", types);
        Assert.Equal(Hl7.Fhir.Model.ModelInfo.SupportedResources.Order(StringComparer.Ordinal), types);

        foreach (var resource in resources)
        {
            var type = resource!["type"]!.GetValue<string>();
            Assert.True(TypeInteractions.Order().SequenceEqual(Codes(resource["interaction"]).Order()), $"{type} interactions");
            Assert.Equal("versioned", resource["versioning"]!.GetValue<string>());
            Assert.True(resource["readHistory"]!.GetValue<bool>(), type);
            Assert.True(resource["updateCreate"]!.GetValue<bool>(), type);
            Assert.True(resource["conditionalCreate"]!.GetValue<bool>(), type);
            Assert.True(resource["conditionalUpdate"]!.GetValue<bool>(), type);
            Assert.Equal("full-support", resource["conditionalRead"]!.GetValue<string>());
            Assert.Equal("single", resource["conditionalDelete"]!.GetValue<string>());
            Assert.Equal($"http://hl7.org/fhir/StructureDefinition/{type}", resource["profile"]!.GetValue<string>());
            var searchParams = (resource["searchParam"] as JsonArray ?? []).Select(p => p!["name"]!.GetValue<string>()).ToList();
            Assert.Contains("_id", searchParams);
            Assert.Equal(searchParams.Count, searchParams.Distinct().Count());
        }
    }

    [Fact]
    public async Task Metadata_in_xml_and_with_summary()
    {
        var xml = await _client.GetAsync("metadata?_format=xml");
        Assert.Equal(HttpStatusCode.OK, xml.StatusCode);
        Assert.Equal("application/fhir+xml", xml.Content.Headers.ContentType?.MediaType);
        var root = XDocument.Parse(await xml.Content.ReadAsStringAsync()).Root!;
        XNamespace f = "http://hl7.org/fhir";
        Assert.Equal("CapabilityStatement", root.Name.LocalName);
        Assert.Equal("4.0.1", root.Element(f + "fhirVersion")!.Attribute("value")!.Value);

        // Metadata is cached per base URL: a filtered response must not change what the next caller gets.
        var summary = await (await _client.GetAsync("metadata?_summary=true")).ReadJsonAsync();
        Assert.Equal("CapabilityStatement", summary["resourceType"]!.GetValue<string>());
        var again = await MetadataAsync();
        Assert.DoesNotContain((again["meta"]?["tag"] as JsonArray ?? []), t => t!["code"]?.GetValue<string>() == "SUBSETTED");
        Assert.Equal(146, again["rest"]![0]!["resource"]!.AsArray().Count);
    }

    [Fact]
    public async Task The_interactions_declared_for_Patient_work()
    {
        var cs = await MetadataAsync();
        var patient = cs["rest"]![0]!["resource"]!.AsArray().Single(r => r!["type"]!.GetValue<string>() == "Patient")!;
        var declared = Codes(patient["interaction"]).ToHashSet();

        // create
        Assert.Contains("create", declared);
        var created = await _client.PostAsync("Patient", Fhir.Body("""{"resourceType":"Patient","identifier":[{"system":"http://example.org/mrn","value":"m1"}],"name":[{"family":"Cap"}]}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.ReadJsonAsync())["id"]!.GetValue<string>();

        // read
        Assert.Contains("read", declared);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"Patient/{id}")).StatusCode);

        // update (and update-as-create)
        Assert.Contains("update", declared);
        var update = await _client.PutAsync($"Patient/{id}", Fhir.Body($$"""{"resourceType":"Patient","id":"{{id}}","identifier":[{"system":"http://example.org/mrn","value":"m1"}],"name":[{"family":"Cap2"}]}"""));
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        Assert.True(patient["updateCreate"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/client-id", Fhir.Body("""{"resourceType":"Patient","id":"client-id","active":true}"""))).StatusCode);

        // patch (JSON Patch)
        Assert.Contains("patch", declared);
        var patch = await _client.SendAsync(HttpMethod.Patch, $"Patient/{id}",
            Fhir.Body("""[{"op":"replace","path":"/name/0/family","value":"Patched"}]""", "application/json-patch+json"));
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal("Patched", (await patch.ReadJsonAsync())["name"]![0]!["family"]!.GetValue<string>());

        // vread
        Assert.Contains("vread", declared);
        var v1 = await _client.GetAsync($"Patient/{id}/_history/1");
        Assert.Equal(HttpStatusCode.OK, v1.StatusCode);
        Assert.Equal("Cap", (await v1.ReadJsonAsync())["name"]![0]!["family"]!.GetValue<string>());

        // history-instance
        Assert.Contains("history-instance", declared);
        var instanceHistory = await (await _client.GetAsync($"Patient/{id}/_history")).ReadJsonAsync();
        Assert.Equal("history", instanceHistory["type"]!.GetValue<string>());
        Assert.Equal(3, instanceHistory["entry"]!.AsArray().Count);

        // history-type
        Assert.Contains("history-type", declared);
        var typeHistory = await (await _client.GetAsync("Patient/_history")).ReadJsonAsync();
        Assert.Equal(4, typeHistory["entry"]!.AsArray().Count);

        // search-type, with a declared search parameter
        Assert.Contains("search-type", declared);
        var searchParams = (patient["searchParam"] as JsonArray)!.Select(p => p!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("identifier", searchParams);
        var search = await (await _client.GetAsync("Patient?identifier=http://example.org/mrn|m1")).ReadJsonAsync();
        Assert.Equal(id, Assert.Single(search["entry"]!.AsArray())!["resource"]!["id"]!.GetValue<string>());
        var byId = await (await _client.GetAsync($"Patient?_id={id}")).ReadJsonAsync();
        Assert.Single(byId["entry"]!.AsArray());

        // conditional create, read, update, delete
        var conditionalCreate = await _client.SendAsync(HttpMethod.Post, "Patient",
            Fhir.Body("""{"resourceType":"Patient","identifier":[{"system":"http://example.org/mrn","value":"m1"}]}"""),
            ("If-None-Exist", "identifier=http://example.org/mrn|m1"));
        Assert.Equal(HttpStatusCode.OK, conditionalCreate.StatusCode);
        Assert.Equal(id, (await conditionalCreate.ReadJsonAsync())["id"]!.GetValue<string>());
        var etag = (await _client.GetAsync($"Patient/{id}")).Headers.ETag!.ToString();
        Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(HttpMethod.Get, $"Patient/{id}", null, ("If-None-Match", etag))).StatusCode);
        var conditionalUpdate = await _client.PutAsync("Patient?identifier=http://example.org/mrn|m1",
            Fhir.Body("""{"resourceType":"Patient","identifier":[{"system":"http://example.org/mrn","value":"m1"}],"name":[{"family":"Cond"}]}"""));
        Assert.Equal(HttpStatusCode.OK, conditionalUpdate.StatusCode);
        Assert.Equal(id, (await conditionalUpdate.ReadJsonAsync())["id"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("Patient?_id=client-id")).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await _client.GetAsync("Patient/client-id")).StatusCode);

        // delete
        Assert.Contains("delete", declared);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"Patient/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await _client.GetAsync($"Patient/{id}")).StatusCode);
    }

    [Fact]
    public async Task The_declared_system_interactions_work()
    {
        var transaction = await _client.PostAsync("", Fhir.Body("""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"urn:uuid:5a3a2a0e-7b61-4e55-8d4b-0c6f1c2e9b01","resource":{"resourceType":"Patient","name":[{"family":"Tx"}]},"request":{"method":"POST","url":"Patient"}},
              {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:5a3a2a0e-7b61-4e55-8d4b-0c6f1c2e9b01"}},"request":{"method":"POST","url":"Observation"}}
            ]}
            """));
        Assert.Equal(HttpStatusCode.OK, transaction.StatusCode);
        var tx = await transaction.ReadJsonAsync();
        Assert.Equal("transaction-response", tx["type"]!.GetValue<string>());
        Assert.All(tx["entry"]!.AsArray(), e => Assert.StartsWith("201", e!["response"]!["status"]!.GetValue<string>()));

        var batch = await _client.PostAsync("", Fhir.Body("""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"resource":{"resourceType":"Patient","name":[{"family":"Batch"}]},"request":{"method":"POST","url":"Patient"}},
              {"request":{"method":"GET","url":"Patient/does-not-exist"}}
            ]}
            """));
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        var b = await batch.ReadJsonAsync();
        Assert.Equal("batch-response", b["type"]!.GetValue<string>());
        Assert.StartsWith("201", b["entry"]![0]!["response"]!["status"]!.GetValue<string>());
        Assert.StartsWith("404", b["entry"]![1]!["response"]!["status"]!.GetValue<string>());

        var history = await (await _client.GetAsync("_history")).ReadJsonAsync();
        Assert.Equal("history", history["type"]!.GetValue<string>());
        Assert.Equal(3, history["entry"]!.AsArray().Count);
    }

    private static readonly string[] CommonParameters =
        ["_id", "_lastUpdated", "_tag", "_profile", "_security", "_source", "_text", "_content"];

    private static JsonNode Resource(JsonNode cs, string type) =>
        cs["rest"]![0]!["resource"]!.AsArray().Single(r => r!["type"]!.GetValue<string>() == type)!;

    private static Dictionary<string, JsonNode> SearchParams(JsonNode resource) =>
        (resource["searchParam"] as JsonArray ?? []).ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!);

    [Fact]
    public async Task Patient_declares_its_search_parameters_with_types_definitions_and_documentation()
    {
        var patient = SearchParams(Resource(await MetadataAsync(), "Patient"));
        Assert.Equal("string", patient["name"]["type"]!.GetValue<string>());
        Assert.Equal("http://hl7.org/fhir/SearchParameter/Patient-name", patient["name"]["definition"]!.GetValue<string>());
        Assert.Equal("date", patient["birthdate"]["type"]!.GetValue<string>());
        Assert.Equal("reference", patient["general-practitioner"]["type"]!.GetValue<string>());
        Assert.Equal("token", patient["identifier"]["type"]!.GetValue<string>());
        foreach (var name in CommonParameters) Assert.True(patient.ContainsKey(name), name);
        Assert.Equal("date", patient["_lastUpdated"]["type"]!.GetValue<string>());
        Assert.Equal("uri", patient["_profile"]["type"]!.GetValue<string>());
        foreach (var (name, p) in patient)
        {
            Assert.False(string.IsNullOrEmpty(p["documentation"]?.GetValue<string>()), name);
            Assert.StartsWith("http://hl7.org/fhir/SearchParameter/", p["definition"]!.GetValue<string>());
            Assert.NotEqual("special", p["type"]!.GetValue<string>());
        }
        Assert.Contains(":exact", patient["name"]["documentation"]!.GetValue<string>());
        Assert.Contains(":identifier", patient["general-practitioner"]["documentation"]!.GetValue<string>());
        Assert.Contains(":of-type", patient["identifier"]["documentation"]!.GetValue<string>());
    }

    [Fact]
    public async Task Observation_declares_composites_and_includes_and_Patient_its_revincludes()
    {
        var cs = await MetadataAsync();
        var observation = Resource(cs, "Observation");
        var parameters = SearchParams(observation);
        Assert.Equal("composite", parameters["code-value-quantity"]["type"]!.GetValue<string>());
        Assert.Equal("quantity", parameters["value-quantity"]["type"]!.GetValue<string>());
        var includes = Strings(observation["searchInclude"]).ToList();
        Assert.Contains("Observation:subject", includes);
        Assert.Contains("Observation:patient", includes);
        Assert.Contains("*", includes);
        Assert.DoesNotContain(includes, i => i != "*" && !i.StartsWith("Observation:", StringComparison.Ordinal));

        var patient = Resource(cs, "Patient");
        var revIncludes = Strings(patient["searchRevInclude"]).ToList();
        Assert.Contains("Observation:subject", revIncludes);
        Assert.Contains("Observation:patient", revIncludes);
        Assert.Contains("Encounter:subject", revIncludes);
        Assert.DoesNotContain("Observation:code", revIncludes);
        Assert.Contains("Patient:general-practitioner", Strings(patient["searchInclude"]));

        var rest = cs["rest"]![0]!;
        Assert.Contains("search-system", Codes(rest["interaction"]));
        var systemParams = (rest["searchParam"] as JsonArray)!.Select(p => p!["name"]!.GetValue<string>()).ToList();
        foreach (var name in CommonParameters) Assert.Contains(name, systemParams);
        Assert.Contains(":contains", rest["documentation"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_declared_includes_work_and_system_search_works()
    {
        var tx = await _client.PostAsync("", Fhir.Body("""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"urn:uuid:6b3a2a0e-7b61-4e55-8d4b-0c6f1c2e9b02","resource":{"resourceType":"Patient","name":[{"family":"Incl"}]},"request":{"method":"POST","url":"Patient"}},
              {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:6b3a2a0e-7b61-4e55-8d4b-0c6f1c2e9b02"}},"request":{"method":"POST","url":"Observation"}}
            ]}
            """));
        Assert.Equal(HttpStatusCode.OK, tx.StatusCode);
        var include = await (await _client.GetAsync("Observation?_include=Observation:subject")).ReadJsonAsync();
        Assert.Equal(2, include["entry"]!.AsArray().Count);
        var revInclude = await (await _client.GetAsync("Patient?_revinclude=Observation:subject")).ReadJsonAsync();
        Assert.Equal(2, revInclude["entry"]!.AsArray().Count);
        var system = await _client.GetAsync("?_type=Patient,Observation&_lastUpdated=ge2000-01-01");
        Assert.Equal(HttpStatusCode.OK, system.StatusCode);
        Assert.Equal(2, (await system.ReadJsonAsync())["entry"]!.AsArray().Count);
    }

    /// <summary>A value each parameter type accepts; the search need not find anything.</summary>
    private static string PlausibleValue(string name, string type) => (name, type) switch
    {
        (_, "string") => "ab",
        (_, "token") => "http://example.org|x",
        (_, "date") => "ge2000-01-01",
        (_, "reference") => "some-id",
        (_, "uri") => "http://example.org/x",
        (_, "number") => "1",
        (_, "quantity") => "1",
        _ => throw new InvalidOperationException($"{name}: no plausible value for a {type} parameter"),
    };

    [Fact]
    public async Task Every_search_parameter_declared_for_Patient_works()
    {
        var patient = SearchParams(Resource(await MetadataAsync(), "Patient"));
        Assert.True(patient.Count > 25, $"only {patient.Count} parameters");
        foreach (var (name, parameter) in patient)
        {
            var type = parameter["type"]!.GetValue<string>();
            var url = $"Patient?{name}={Uri.EscapeDataString(PlausibleValue(name, type))}";
            var response = await _client.SendAsync(HttpMethod.Get, url, null, ("Prefer", "handling=strict"));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var bundle = await response.ReadJsonAsync();
            Assert.DoesNotContain(bundle["entry"] as JsonArray ?? [], e => e!["search"]?["mode"]?.GetValue<string>() == "outcome");
            var missing = await _client.GetAsync($"Patient?{name}:missing=true");
            Assert.True(missing.StatusCode == HttpStatusCode.OK || name is "_id" or "_text" or "_content", $"{name}:missing {(int)missing.StatusCode}");
        }
    }

    [Fact]
    public async Task Swagger_document_is_served()
    {
        using var client = _host.CreateClient();
        var response = await client.GetAsync("/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var doc = await response.ReadJsonAsync();
        Assert.NotNull(doc["openapi"]);
        Assert.NotNull(doc["paths"]!["/fhir/metadata"]);
        Assert.NotNull(doc["paths"]!["/fhir/{type}/{id}"]);
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_report_healthy(string path)
    {
        using var client = _host.CreateClient();
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }
}
