using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Validation;

/// <summary>$validate and write-time enforcement over HTTP, with the production RequireProfiles default.</summary>
public sealed class ValidateOperationTests : IDisposable
{
    private const string Profile = "http://fhirportal.org/fhir/StructureDefinition/";
    private readonly FhirPortalHost _host = new(settings: ValidationHosts.Production());
    private readonly HttpClient _client;

    public ValidateOperationTests() => _client = _host.CreateFhirClient();
    public void Dispose() => _host.Dispose();

    private const string ValidPatient = """{"resourceType":"Patient","identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"urn:mrn","value":"7"}],"name":[{"family":"Doe"}],"gender":"female","birthDate":"1990-01-01"}""";
    private const string MinimalPatient = """{"resourceType":"Patient","name":[{"family":"Doe"}]}""";

    private static List<JsonNode> Issues(JsonNode outcome, string severity) =>
        outcome["issue"]!.AsArray().Where(i => i!["severity"]!.GetValue<string>() == severity).Select(i => i!).ToList();

    [Fact]
    public async Task Type_level_validate_returns_200_with_every_issue_when_invalid()
    {
        var response = await _client.PostAsync("Patient/$validate",
            Fhir.Body("""{"resourceType":"Patient","meta":{"profile":["http://fhirportal.org/fhir/StructureDefinition/portal-patient"]}}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var errors = Issues(await response.ReadJsonAsync(), "error");
        var expressions = errors.Select(e => e["expression"]![0]!.GetValue<string>()).ToList();
        Assert.Contains("Patient.identifier", expressions);
        Assert.Contains("Patient.name", expressions);
        Assert.Contains("Patient.gender", expressions);
        Assert.Contains("Patient.birthDate", expressions);
    }

    [Fact]
    public async Task Validate_without_mode_checks_the_base_and_with_mode_create_the_write_policy()
    {
        var plain = await (await _client.PostAsync("Patient/$validate", Fhir.Body(MinimalPatient))).ReadJsonAsync();
        Assert.Empty(Issues(plain, "error"));
        var parameters = new JsonObject
        {
            ["resourceType"] = "Parameters",
            ["parameter"] = new JsonArray(
                new JsonObject { ["name"] = "resource", ["resource"] = JsonNode.Parse(MinimalPatient) },
                new JsonObject { ["name"] = "mode", ["valueCode"] = "create" }),
        };
        var asCreate = await (await _client.PostAsync("Patient/$validate", Fhir.Body(parameters))).ReadJsonAsync();
        Assert.Contains(Issues(asCreate, "error"), i => i["expression"]![0]!.GetValue<string>() == "Patient.birthDate");
    }

    [Fact]
    public async Task Profile_parameter_validates_against_the_named_profile()
    {
        var observation = """{"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/p"},"effectiveDateTime":"2024-01-01","valueQuantity":{"value":1}}""";
        var outcome = await (await _client.PostAsync($"Observation/$validate?profile={Profile}portal-observation-vitalsigns", Fhir.Body(observation))).ReadJsonAsync();
        Assert.Contains(Issues(outcome, "error"), i => i["expression"]![0]!.GetValue<string>() == "Observation.category");
    }

    [Fact]
    public async Task Instance_validate_mode_update_needs_the_matching_id_and_mode_delete_an_existing_resource()
    {
        var created = await _client.PostAsync("Patient", Fhir.Body(ValidPatient));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.ReadJsonAsync())["id"]!.GetValue<string>();
        var wrongId = JsonNode.Parse(ValidPatient)!.AsObject();
        wrongId["id"] = "other";
        var update = await (await _client.PostAsync($"Patient/{id}/$validate?mode=update", Fhir.Body(wrongId))).ReadJsonAsync();
        Assert.Contains(Issues(update, "error"), i => i["expression"]![0]!.GetValue<string>() == "Patient.id");

        const string deleteMode = """{"resourceType":"Parameters","parameter":[{"name":"mode","valueCode":"delete"}]}""";
        var delete = await _client.PostAsync($"Patient/{id}/$validate", Fhir.Body(deleteMode));
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        var missing = await _client.PostAsync("Patient/nope/$validate", Fhir.Body(deleteMode));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Create_and_update_of_a_required_type_that_breaks_its_profile_are_422_and_store_nothing()
    {
        var create = await _client.PostAsync("Patient", Fhir.Body(MinimalPatient));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, create.StatusCode);
        Assert.Contains(Issues(await create.ReadJsonAsync(), "error"), i => i["expression"]![0]!.GetValue<string>() == "Patient.birthDate");
        var put = await _client.PutAsync("Patient/bad1", Fhir.Body(MinimalPatient.Replace("{\"resourceType\":\"Patient\",", "{\"resourceType\":\"Patient\",\"id\":\"bad1\",")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, put.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("Patient/bad1")).StatusCode);
        var all = await (await _client.GetAsync("Patient?_summary=count")).ReadJsonAsync();
        Assert.Equal(0, all["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Transaction_with_one_invalid_entry_is_rejected_whole()
    {
        var bundle = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "transaction",
            ["entry"] = new JsonArray(
                new JsonObject { ["fullUrl"] = "urn:uuid:1", ["resource"] = JsonNode.Parse(ValidPatient), ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Patient" } },
                new JsonObject { ["resource"] = JsonNode.Parse(MinimalPatient), ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Patient" } }),
        };
        var response = await _client.PostAsync("", Fhir.Body(bundle));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var all = await (await _client.GetAsync("Patient?_summary=count")).ReadJsonAsync();
        Assert.Equal(0, all["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Profiles_are_readable_searchable_and_listed_in_the_CapabilityStatement()
    {
        var read = await _client.GetAsync("StructureDefinition/portal-patient");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var search = await (await _client.GetAsync($"StructureDefinition?url={Profile}portal-observation-vitalsigns")).ReadJsonAsync();
        Assert.Single(search["entry"]!.AsArray());
        var metadata = await (await _client.GetAsync("metadata")).ReadJsonAsync();
        var observation = metadata["rest"]![0]!["resource"]!.AsArray().Single(r => r!["type"]!.GetValue<string>() == "Observation")!;
        var supported = observation["supportedProfile"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        Assert.Contains(Profile + "portal-observation-laboratory", supported);
        Assert.Contains(Profile + "portal-observation-vitalsigns", supported);
        Assert.Contains(observation["operation"]!.AsArray(), o => o!["name"]!.GetValue<string>() == "validate");
    }

    [Fact]
    public async Task Profile_created_through_the_API_takes_effect_without_restart()
    {
        var profile = """{"resourceType":"StructureDefinition","id":"needs-active","url":"http://example.org/StructureDefinition/needs-active","name":"NeedsActive","status":"active","kind":"resource","abstract":false,"type":"Device","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Device","derivation":"constraint","differential":{"element":[{"id":"Device.status","path":"Device.status","min":1}]}}""";
        const string device = """{"resourceType":"Device","meta":{"profile":["http://example.org/StructureDefinition/needs-active"]}}""";
        var before = await (await _client.PostAsync("Device/$validate", Fhir.Body(device))).ReadJsonAsync();
        Assert.Contains(Issues(before, "warning"), i => i["expression"]![0]!.GetValue<string>() == "Device.meta.profile");
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("StructureDefinition/needs-active", Fhir.Body(profile))).StatusCode);
        var create = await _client.PostAsync("Device", Fhir.Body(device));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, create.StatusCode);
        Assert.Contains(Issues(await create.ReadJsonAsync(), "error"), i => i["expression"]![0]!.GetValue<string>() == "Device.status");
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("StructureDefinition/needs-active")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("Device", Fhir.Body(device))).StatusCode);
    }

    private static string DeviceProfile(string differential) =>
        $$$"""{"resourceType":"StructureDefinition","id":"device-rules","url":"http://example.org/StructureDefinition/device-rules","name":"DeviceRules","status":"active","kind":"resource","abstract":false,"type":"Device","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Device","derivation":"constraint","differential":{"element":[{{{differential}}}]}}""";

    [Fact]
    public async Task Profile_changed_through_the_API_takes_effect_on_the_next_validation()
    {
        const string device = """{"resourceType":"Device","meta":{"profile":["http://example.org/StructureDefinition/device-rules"]},"status":"active"}""";
        const string status = """{"id":"Device.status","path":"Device.status","min":1}""";
        const string lot = """{"id":"Device.lotNumber","path":"Device.lotNumber","min":1}""";
        async Task<List<string>> ErrorsAsync() =>
            Issues(await (await _client.PostAsync("Device/$validate", Fhir.Body(device))).ReadJsonAsync(), "error")
                .Select(i => i["expression"]![0]!.GetValue<string>()).ToList();

        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("StructureDefinition/device-rules", Fhir.Body(DeviceProfile(status)))).StatusCode);
        Assert.Empty(await ErrorsAsync()); // the profile's schema is compiled and cached now
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync("StructureDefinition/device-rules", Fhir.Body(DeviceProfile(status + "," + lot)))).StatusCode);
        Assert.Equal(["Device.lotNumber"], await ErrorsAsync());
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync("StructureDefinition/device-rules", Fhir.Body(DeviceProfile(status)))).StatusCode);
        Assert.Empty(await ErrorsAsync());
    }

    [Fact]
    public async Task ValueSet_changed_through_the_API_takes_effect_on_the_next_validation()
    {
        const string codeSystem = """{"resourceType":"CodeSystem","id":"colours","url":"http://example.org/CodeSystem/colours","status":"active","content":"complete","concept":[{"code":"red"},{"code":"green"}]}""";
        static string ValueSet(string codes) =>
            $$$"""{"resourceType":"ValueSet","id":"colours","url":"http://example.org/ValueSet/colours","status":"active","compose":{"include":[{"system":"http://example.org/CodeSystem/colours","concept":[{{{codes}}}]}]}}""";
        const string binding = """{"id":"Device.type","path":"Device.type","binding":{"strength":"required","valueSet":"http://example.org/ValueSet/colours"}}""";
        const string device = """{"resourceType":"Device","meta":{"profile":["http://example.org/StructureDefinition/device-rules"]},"type":{"coding":[{"system":"http://example.org/CodeSystem/colours","code":"green"}]}}""";
        async Task<List<string>> ErrorsAsync() =>
            Issues(await (await _client.PostAsync("Device/$validate", Fhir.Body(device))).ReadJsonAsync(), "error")
                .Select(i => i["expression"]![0]!.GetValue<string>()).ToList();

        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("CodeSystem/colours", Fhir.Body(codeSystem))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("ValueSet/colours", Fhir.Body(ValueSet("""{"code":"red"},{"code":"green"}""")))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("StructureDefinition/device-rules", Fhir.Body(DeviceProfile(binding)))).StatusCode);
        Assert.Empty(await ErrorsAsync()); // green is in the ValueSet, and that answer is remembered
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync("ValueSet/colours", Fhir.Body(ValueSet("""{"code":"red"}""")))).StatusCode);
        Assert.Equal(["Device.type"], await ErrorsAsync());
    }
}
