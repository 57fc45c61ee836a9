using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Rest;

public sealed class ConditionalTests : IDisposable
{
    private const string JsonPatch = "application/json-patch+json";
    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public ConditionalTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Conditional_create_with_no_match_creates()
    {
        var response = await CreateIfNoneExistAsync("sys|1", "first");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotNull(response.Headers.Location);
        Assert.Equal(1, await CountAsync("identifier=sys|1"));
    }

    [Fact]
    public async Task Conditional_create_with_one_match_returns_it_without_a_new_version()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/one", Patient("one", "original", "1"))).StatusCode);

        var response = await CreateIfNoneExistAsync("identifier=sys|1", "duplicate");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("W/\"1\"", response.Headers.ETag?.ToString());
        var body = await response.ReadJsonAsync();
        Assert.Equal("one", body["id"]!.GetValue<string>());
        Assert.Equal("original", body["name"]![0]!["family"]!.GetValue<string>());

        Assert.Equal(1, await CountAsync("identifier=sys|1"));
        Assert.Single(HistoryTests.Entries(await (await _client.GetAsync("Patient/one/_history")).ReadJsonAsync()));
        Assert.Single(HistoryTests.Entries(await (await _client.GetAsync("_history")).ReadJsonAsync()));
    }

    [Fact]
    public async Task Conditional_create_with_two_matches_is_412()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/a", Patient("a", "a", "1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/b", Patient("b", "b", "1"))).StatusCode);

        var response = await CreateIfNoneExistAsync("identifier=sys|1", "third");
        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal("OperationOutcome", (await response.ReadJsonAsync())["resourceType"]!.GetValue<string>());
        Assert.Equal(2, await CountAsync("identifier=sys|1"));
    }

    [Fact]
    public async Task Conditional_update_creates_updates_or_refuses_by_match_count()
    {
        var create = await _client.PutAsync("Patient?identifier=sys|1", NewPatient("created", "1"));
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        Assert.Equal("W/\"1\"", create.Headers.ETag?.ToString());
        var id = (await create.ReadJsonAsync())["id"]!.GetValue<string>();

        var update = await _client.PutAsync("Patient?identifier=sys|1", NewPatient("updated", "1"));
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        Assert.Equal("W/\"2\"", update.Headers.ETag?.ToString());
        var updated = await update.ReadJsonAsync();
        Assert.Equal(id, updated["id"]!.GetValue<string>());
        Assert.Equal("updated", updated["name"]![0]!["family"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/other", Patient("other", "other", "1"))).StatusCode);
        var ambiguous = await _client.PutAsync("Patient?identifier=sys|1", NewPatient("ambiguous", "1"));
        Assert.Equal(HttpStatusCode.PreconditionFailed, ambiguous.StatusCode);
        Assert.Equal("OperationOutcome", (await ambiguous.ReadJsonAsync())["resourceType"]!.GetValue<string>());
        Assert.Equal("W/\"2\"", (await _client.GetAsync($"Patient/{id}")).Headers.ETag?.ToString());
    }

    [Fact]
    public async Task Conditional_delete_with_no_match_changes_nothing()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/keep", Patient("keep", "keep", "2"))).StatusCode);

        var response = await _client.DeleteAsync("Patient?identifier=sys|1");
        Assert.True(response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.OK, $"status {response.StatusCode}");
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("Patient/keep")).StatusCode);
        Assert.Single(HistoryTests.Entries(await (await _client.GetAsync("_history")).ReadJsonAsync()));
    }

    [Fact]
    public async Task Conditional_delete_with_one_match_deletes_it()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/target", Patient("target", "t", "1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/bystander", Patient("bystander", "b", "2"))).StatusCode);

        var response = await _client.DeleteAsync("Patient?identifier=sys|1");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await _client.GetAsync("Patient/target")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("Patient/bystander")).StatusCode);
        Assert.Equal(0, await CountAsync("identifier=sys|1"));
    }

    [Fact]
    public async Task Conditional_delete_with_several_matches_is_412_and_deletes_nothing()
    {
        // R4 lets a server either delete all matches or refuse with 412; this server refuses.
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/a", Patient("a", "a", "1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/b", Patient("b", "b", "1"))).StatusCode);

        var response = await _client.DeleteAsync("Patient?identifier=sys|1");
        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal("OperationOutcome", (await response.ReadJsonAsync())["resourceType"]!.GetValue<string>());
        Assert.Equal(2, await CountAsync("identifier=sys|1"));
    }

    [Fact]
    public async Task Unknown_criteria_parameter_is_400_for_every_conditional_interaction()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/a", Patient("a", "a", "1"))).StatusCode);

        var responses = new[]
        {
            await CreateIfNoneExistAsync("no-such-param=1", "x"),
            await _client.PutAsync("Patient?no-such-param=1", NewPatient("x", "1")),
            await _client.DeleteAsync("Patient?no-such-param=1"),
            await _client.SendAsync(HttpMethod.Patch, "Patient?no-such-param=1", Fhir.Body("""[{"op":"replace","path":"/active","value":true}]""", JsonPatch)),
        };
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("OperationOutcome", (await response.ReadJsonAsync())["resourceType"]!.GetValue<string>());
        }
        Assert.Equal(1, await CountAsync("_id=a"));
        Assert.Equal("W/\"1\"", (await _client.GetAsync("Patient/a")).Headers.ETag?.ToString());
        Assert.Single(HistoryTests.Entries(await (await _client.GetAsync("_history")).ReadJsonAsync()));
    }

    [Fact]
    public async Task Json_patch_over_http_makes_a_new_version()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/p", Patient("p", "before", "1", active: true))).StatusCode);

        var response = await _client.SendAsync(HttpMethod.Patch, "Patient/p", Fhir.Body(
            """[{"op":"test","path":"/active","value":true},{"op":"replace","path":"/active","value":false},{"op":"add","path":"/birthDate","value":"1970-01-01"}]""", JsonPatch));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("W/\"2\"", response.Headers.ETag?.ToString());
        var body = await response.ReadJsonAsync();
        Assert.False(body["active"]!.GetValue<bool>());
        Assert.Equal("1970-01-01", body["birthDate"]!.GetValue<string>());
        Assert.Equal("before", body["name"]![0]!["family"]!.GetValue<string>());

        var read = await (await _client.GetAsync("Patient/p")).ReadJsonAsync();
        Assert.Equal("2", read["meta"]!["versionId"]!.GetValue<string>());
        Assert.False(read["active"]!.GetValue<bool>());
    }

    [Fact]
    public async Task FhirPath_patch_over_http_makes_a_new_version()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/p", Patient("p", "before", "1", active: true))).StatusCode);
        const string patch = """
            {"resourceType":"Parameters","parameter":[
              {"name":"operation","part":[
                {"name":"type","valueCode":"replace"},
                {"name":"path","valueString":"Patient.active"},
                {"name":"value","valueBoolean":false}]},
              {"name":"operation","part":[
                {"name":"type","valueCode":"add"},
                {"name":"path","valueString":"Patient"},
                {"name":"name","valueString":"birthDate"},
                {"name":"value","valueDate":"1980-02-03"}]}]}
            """;

        var response = await _client.SendAsync(HttpMethod.Patch, "Patient/p", Fhir.Body(patch));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("W/\"2\"", response.Headers.ETag?.ToString());
        var body = await response.ReadJsonAsync();
        Assert.False(body["active"]!.GetValue<bool>());
        Assert.Equal("1980-02-03", body["birthDate"]!.GetValue<string>());
        Assert.Equal(2, HistoryTests.Entries(await (await _client.GetAsync("Patient/p/_history")).ReadJsonAsync()).Count);
    }

    [Fact]
    public async Task Conditional_patch_patches_the_single_match()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/p", Patient("p", "before", "1", active: true))).StatusCode);
        var response = await _client.SendAsync(HttpMethod.Patch, "Patient?identifier=sys|1", Fhir.Body("""[{"op":"replace","path":"/active","value":false}]""", JsonPatch));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("W/\"2\"", response.Headers.ETag?.ToString());
        Assert.Equal("p", (await response.ReadJsonAsync())["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Patch_whose_test_fails_is_422_and_changes_nothing()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/p", Patient("p", "before", "1", active: true))).StatusCode);

        var response = await _client.SendAsync(HttpMethod.Patch, "Patient/p", Fhir.Body(
            """[{"op":"test","path":"/active","value":false},{"op":"replace","path":"/name/0/family","value":"after"}]""", JsonPatch));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("OperationOutcome", (await response.ReadJsonAsync())["resourceType"]!.GetValue<string>());

        var read = await _client.GetAsync("Patient/p");
        Assert.Equal("W/\"1\"", read.Headers.ETag?.ToString());
        Assert.Equal("before", (await read.ReadJsonAsync())["name"]![0]!["family"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"resourceType":"Patient","id":"p","active":false}""", Fhir.Json)]
    [InlineData("""{"op":"replace","path":"/active","value":false}""", JsonPatch)]
    [InlineData("""[{"op":"frobnicate","path":"/active"}]""", JsonPatch)]
    [InlineData("""not json""", JsonPatch)]
    [InlineData("""{"resourceType":"Parameters","parameter":[{"name":"notAnOperation","valueString":"x"}]}""", Fhir.Json)]
    public async Task Patch_body_that_is_not_a_patch_is_400(string body, string mediaType)
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/p", Patient("p", "before", "1", active: true))).StatusCode);

        var response = await _client.SendAsync(HttpMethod.Patch, "Patient/p", Fhir.Body(body, mediaType));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("OperationOutcome", (await response.ReadJsonAsync())["resourceType"]!.GetValue<string>());
        Assert.Equal("W/\"1\"", (await _client.GetAsync("Patient/p")).Headers.ETag?.ToString());
    }

    [Fact]
    public async Task Racing_conditional_creates_store_exactly_one_resource()
    {
        const int racers = 20;
        var responses = await Task.WhenAll(Enumerable.Range(0, racers).Select(i =>
            _client.SendAsync(HttpMethod.Post, "Patient", NewPatient($"racer{i}", "1", system: "x"), ("If-None-Exist", "identifier=x|1"))));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"status {r.StatusCode}"));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);

        var ids = new HashSet<string>();
        foreach (var r in responses) ids.Add((await r.ReadJsonAsync())["id"]!.GetValue<string>());
        Assert.Single(ids);
        Assert.Equal(1, await CountAsync("identifier=x|1"));
        Assert.Single(HistoryTests.Entries(await (await _client.GetAsync("Patient/_history")).ReadJsonAsync()));
    }

    private Task<HttpResponseMessage> CreateIfNoneExistAsync(string criteria, string family) =>
        _client.SendAsync(HttpMethod.Post, "Patient", NewPatient(family, "1"), ("If-None-Exist", criteria.Contains('=') ? criteria : "identifier=" + criteria));

    private async Task<int> CountAsync(string query)
    {
        var response = await _client.GetAsync($"Patient?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return HistoryTests.Entries(await response.ReadJsonAsync()).Count;
    }

    private static StringContent NewPatient(string family, string identifier, string system = "sys") =>
        Fhir.Body(PatientJson(null, family, identifier, system, null));

    private static StringContent Patient(string id, string family, string identifier, bool? active = null) =>
        Fhir.Body(PatientJson(id, family, identifier, "sys", active));

    private static JsonObject PatientJson(string? id, string family, string identifier, string system, bool? active)
    {
        var patient = new JsonObject { ["resourceType"] = "Patient" };
        if (id is not null) patient["id"] = id;
        patient["identifier"] = new JsonArray(new JsonObject { ["system"] = system, ["value"] = identifier });
        if (active is not null) patient["active"] = active.Value;
        patient["name"] = new JsonArray(new JsonObject { ["family"] = family });
        return patient;
    }
}
