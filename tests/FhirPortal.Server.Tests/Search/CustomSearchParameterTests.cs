using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Search;

public sealed class CustomSearchParameterTests : IDisposable
{
    private const string MothersMaidenName = """
        {"resourceType":"SearchParameter","id":"patient-mothers-maiden-name","url":"http://example.org/SearchParameter/mothers-maiden-name",
         "name":"MothersMaidenName","status":"active","description":"Mother's maiden name","code":"mothers-maiden-name",
         "base":["Patient"],"type":"string",
         "expression":"Patient.extension.where(url='http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName').value"}
        """;

    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public CustomSearchParameterTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    private static string Patient(string id, string maidenName) => $$"""
        {"resourceType":"Patient","id":"{{id}}","active":true,"extension":[
          {"url":"http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName","valueString":"{{maidenName}}"}]}
        """;

    private async Task<List<string>> IdsAsync(string url)
    {
        var bundle = await (await _client.GetAsync(url)).ReadJsonAsync();
        Assert.DoesNotContain(bundle["entry"]?.AsArray() ?? [], e => (string?)e!["search"]?["mode"] == "outcome");
        return (bundle["entry"]?.AsArray() ?? []).Select(e => (string)e!["resource"]!["id"]!).Order().ToList();
    }

    [Fact]
    public async Task A_new_parameter_indexes_new_writes_and_reindex_backfills_existing_ones()
    {
        await _client.PutAsync("Patient/old", Fhir.Body(Patient("old", "Smith")));
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("SearchParameter/patient-mothers-maiden-name", Fhir.Body(MothersMaidenName))).StatusCode);
        await _client.PutAsync("Patient/new", Fhir.Body(Patient("new", "Smythe")));

        Assert.Equal(["new"], await IdsAsync("Patient?mothers-maiden-name=sm"));

        var started = await _client.PostAsync("Patient/$reindex", null);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var status = started.Content.Headers.ContentLocation ?? new Uri(started.Headers.GetValues("Content-Location").Single());
        JsonNode? state = null;
        // A deadline, not a count of polls: on a loaded CI machine each poll itself can take a while.
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline;)
        {
            state = await (await _client.GetAsync(status)).ReadJsonAsync();
            if (Value(state, "status") != "running") break;
            await Task.Delay(50);
        }
        Assert.Equal("completed", Value(state!, "status"));
        Assert.Equal("2", Value(state!, "processed"));

        Assert.Equal(["new", "old"], await IdsAsync("Patient?mothers-maiden-name=sm"));
        Assert.Equal(["old"], await IdsAsync("Patient?mothers-maiden-name:exact=Smith"));
    }

    [Fact]
    public async Task Instance_reindex_and_a_restart_keep_the_parameter()
    {
        await _client.PutAsync("Patient/a", Fhir.Body(Patient("a", "Jones")));
        await _client.PutAsync("SearchParameter/patient-mothers-maiden-name", Fhir.Body(MothersMaidenName));
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("Patient/a/$reindex", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync("Patient/missing/$reindex", null)).StatusCode);
        Assert.Equal(["a"], await IdsAsync("Patient?mothers-maiden-name=jones"));

        _host.KeepData = true;
        _host.Dispose();
        using var reopened = new FhirPortalHost(_host.DataDirectory);
        var client = reopened.CreateFhirClient();
        var bundle = await (await client.GetAsync("Patient?mothers-maiden-name=jon")).ReadJsonAsync();
        Assert.Equal("a", (string?)bundle["entry"]![0]!["resource"]!["id"]);
        FhirPortalHost.TryDelete(_host.DataDirectory);
    }

    [Fact]
    public async Task Deleting_the_parameter_makes_it_unknown_again()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("SearchParameter/patient-mothers-maiden-name", Fhir.Body(MothersMaidenName))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("SearchParameter/patient-mothers-maiden-name")).StatusCode);

        var response = await _client.SendAsync(HttpMethod.Get, "Patient?mothers-maiden-name=x", null, ("Prefer", "handling=strict"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task The_capability_statement_declares_a_new_parameter_and_drops_a_deleted_one()
    {
        Assert.False(await DeclaredAsync("mothers-maiden-name"));
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("SearchParameter/patient-mothers-maiden-name", Fhir.Body(MothersMaidenName))).StatusCode);
        Assert.True(await DeclaredAsync("mothers-maiden-name"));
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("SearchParameter/patient-mothers-maiden-name")).StatusCode);
        Assert.False(await DeclaredAsync("mothers-maiden-name"));
    }

    private async Task<bool> DeclaredAsync(string code)
    {
        var statement = await (await _client.GetAsync("metadata")).ReadJsonAsync();
        var patient = statement["rest"]![0]!["resource"]!.AsArray().Single(r => (string?)r!["type"] == "Patient")!;
        return (patient["searchParam"]?.AsArray() ?? []).Any(p => (string?)p!["name"] == code);
    }

    [Theory]
    [InlineData("""{"resourceType":"SearchParameter","url":"http://x/a","name":"a","status":"active","description":"d","base":["Patient"],"type":"string","expression":"Patient.name","code":"a","xpathUsage":"normal"}""", HttpStatusCode.Created)]
    [InlineData("""{"resourceType":"SearchParameter","url":"http://x/b","name":"b","status":"active","description":"d","base":["Patient"],"type":"string","code":"b"}""", HttpStatusCode.UnprocessableEntity)]
    [InlineData("""{"resourceType":"SearchParameter","url":"http://x/c","name":"c","status":"active","description":"d","base":["Patient"],"type":"string","expression":"Patient.name.where(","code":"c"}""", HttpStatusCode.UnprocessableEntity)]
    [InlineData("""{"resourceType":"SearchParameter","url":"http://x/d","name":"d","status":"active","description":"d","base":["Patient"],"type":"special","expression":"Patient.name","code":"d"}""", HttpStatusCode.UnprocessableEntity)]
    public async Task Parameters_search_cannot_use_are_rejected(string body, HttpStatusCode expected)
    {
        var response = await _client.PostAsync("SearchParameter", Fhir.Body(body));
        Assert.Equal(expected, response.StatusCode);
    }

    private static string? Value(JsonNode parameters, string name)
    {
        var p = parameters["parameter"]!.AsArray().FirstOrDefault(x => (string?)x!["name"] == name);
        return p?.AsObject().Where(kv => kv.Key.StartsWith("value")).Select(kv => kv.Value!.ToString()).FirstOrDefault();
    }
}
