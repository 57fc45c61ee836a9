using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Rest;

/// <summary>$meta, $meta-add, $meta-delete (R4 resource operations) and the answer to operations the server does not have.</summary>
public sealed class MetaOperationTests : IDisposable
{
    private const string Tags = "http://example.org/tags";

    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public MetaOperationTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    private async Task SeedAsync()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/p1", Fhir.Body(
            $$$"""{"resourceType":"Patient","id":"p1","meta":{"tag":[{"system":"{{{Tags}}}","code":"a"}],"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"N"}]}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/p2", Fhir.Body(
            $$$"""{"resourceType":"Patient","id":"p2","meta":{"tag":[{"system":"{{{Tags}}}","code":"b"}],"profile":["http://example.org/StructureDefinition/x"]}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Observation/o1", Fhir.Body(
            $$$"""{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"meta":{"tag":[{"system":"{{{Tags}}}","code":"c"}]}}"""))).StatusCode);
    }

    private static JsonNode ReturnedMeta(JsonNode parameters)
    {
        Assert.Equal("Parameters", (string?)parameters["resourceType"]);
        var parameter = parameters["parameter"]!.AsArray().Single()!;
        Assert.Equal("return", (string?)parameter["name"]);
        return parameter["valueMeta"]!;
    }

    private static string[] Codes(JsonNode meta, string element) =>
        (meta[element] as JsonArray ?? []).Select(c => (string)c!["code"]!).Order(StringComparer.Ordinal).ToArray();

    [Theory]
    [InlineData("GET", "Patient/p1/$meta", new[] { "a" })]
    [InlineData("POST", "Patient/p1/$meta", new[] { "a" })]
    [InlineData("GET", "Patient/$meta", new[] { "a", "b" })]
    [InlineData("POST", "Patient/$meta", new[] { "a", "b" })]
    [InlineData("GET", "$meta", new[] { "a", "b", "c" })]
    [InlineData("POST", "$meta", new[] { "a", "b", "c" })]
    public async Task Meta_returns_the_tags_in_use_at_each_level(string method, string url, string[] tags)
    {
        await SeedAsync();
        // POST without a body: $meta has no input parameters.
        var response = await _client.SendAsync(new HttpMethod(method), url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var meta = ReturnedMeta(await response.ReadJsonAsync());
        Assert.Equal(tags, Codes(meta, "tag"));
    }

    [Fact]
    public async Task Type_meta_lists_profiles_and_security_labels_once()
    {
        await SeedAsync();
        var meta = ReturnedMeta(await (await _client.GetAsync("Patient/$meta")).ReadJsonAsync());
        Assert.Equal(["http://example.org/StructureDefinition/x"], meta["profile"]!.AsArray().Select(p => (string)p!));
        Assert.Equal(["N"], Codes(meta, "security"));
    }

    [Fact]
    public async Task Meta_add_and_meta_delete_change_the_tags_and_an_unchanging_call_stores_nothing()
    {
        await SeedAsync();
        var add = await _client.PostAsync("Patient/p1/$meta-add", Fhir.Body(
            $$$"""{"resourceType":"Parameters","parameter":[{"name":"meta","valueMeta":{"tag":[{"system":"{{{Tags}}}","code":"new","display":"x"},{"system":"{{{Tags}}}","code":"a"}],"profile":["http://example.org/StructureDefinition/x"]}}]}"""));
        Assert.Equal(HttpStatusCode.OK, add.StatusCode);
        var added = ReturnedMeta(await add.ReadJsonAsync());
        Assert.Equal(["a", "new"], Codes(added, "tag"));
        Assert.Equal(["N"], Codes(added, "security"));

        var read = await (await _client.GetAsync("Patient/p1")).ReadJsonAsync();
        Assert.Equal(["a", "new"], Codes(read["meta"]!, "tag"));
        Assert.Equal("2", (string?)read["meta"]!["versionId"]);
        Assert.Single((await (await _client.GetAsync($"Patient?_tag={Tags}|new")).ReadJsonAsync())["entry"]!.AsArray());

        // Adding what is there already stores nothing.
        var again = await _client.PostAsync("Patient/p1/$meta-add", Fhir.Body(
            $$$"""{"resourceType":"Parameters","parameter":[{"name":"meta","valueMeta":{"tag":[{"system":"{{{Tags}}}","code":"new"}]}}]}"""));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("2", (string?)(await (await _client.GetAsync("Patient/p1")).ReadJsonAsync())["meta"]!["versionId"]);

        var delete = await _client.PostAsync("Patient/p1/$meta-delete", Fhir.Body(
            $$$"""{"resourceType":"Parameters","parameter":[{"name":"meta","valueMeta":{"tag":[{"system":"{{{Tags}}}","code":"a","display":"ignored"}],"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"N"}]}}]}"""));
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        var deleted = ReturnedMeta(await delete.ReadJsonAsync());
        Assert.Equal(["new"], Codes(deleted, "tag"));
        Assert.Empty(Codes(deleted, "security"));
        Assert.Empty((await (await _client.GetAsync($"Patient?_tag={Tags}|a")).ReadJsonAsync())["entry"] as JsonArray ?? []);
    }

    [Theory]
    [InlineData("Patient/p1/$meta-add", """{"resourceType":"Parameters"}""", HttpStatusCode.BadRequest)]
    [InlineData("Patient/p1/$meta-add", """{"resourceType":"Patient"}""", HttpStatusCode.BadRequest)]
    [InlineData("Patient/none/$meta-add", """{"resourceType":"Parameters","parameter":[{"name":"meta","valueMeta":{"tag":[{"code":"x"}]}}]}""", HttpStatusCode.NotFound)]
    [InlineData("Patient/none/$meta-delete", """{"resourceType":"Parameters","parameter":[{"name":"meta","valueMeta":{"tag":[{"code":"x"}]}}]}""", HttpStatusCode.NotFound)]
    public async Task Meta_add_and_delete_refuse_bad_input_with_an_outcome(string url, string body, HttpStatusCode status)
    {
        await SeedAsync();
        var response = await _client.PostAsync(url, Fhir.Body(body));
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await response.ReadJsonAsync())["resourceType"]);
    }

    [Fact]
    public async Task Meta_of_an_unknown_or_deleted_resource_is_404_or_410()
    {
        await SeedAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("Patient/none/$meta")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("Patient/p2")).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await _client.GetAsync("Patient/p2/$meta")).StatusCode);
        // A deleted resource's tags are no longer in use.
        Assert.Equal(["a"], Codes(ReturnedMeta(await (await _client.GetAsync("Patient/$meta")).ReadJsonAsync()), "tag"));
    }

    [Theory]
    [InlineData("GET", "Patient/p1/$nonsense")]
    [InlineData("POST", "Patient/p1/$nonsense")]
    [InlineData("GET", "Patient/$nonsense")]
    [InlineData("POST", "Patient/$nonsense")]
    [InlineData("GET", "$nonsense")]
    [InlineData("POST", "$nonsense")]
    [InlineData("GET", "Patient/p1/$meta-add")]
    public async Task An_unknown_operation_is_a_400_saying_it_is_not_supported(string method, string url)
    {
        await SeedAsync();
        var content = method == "POST" ? Fhir.Body("""{"resourceType":"Parameters"}""") : null;
        var response = await _client.SendAsync(new HttpMethod(method), url, content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var issue = (await response.ReadJsonAsync())["issue"]![0]!;
        Assert.Equal("not-supported", (string?)issue["code"]);
        Assert.Contains("is not supported", (string?)issue["diagnostics"]);
    }

    [Fact]
    public async Task Post_on_an_instance_stays_a_405()
    {
        await SeedAsync();
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _client.PostAsync("Patient/p1", Fhir.Body("""{"resourceType":"Patient"}"""))).StatusCode);
    }

    [Fact]
    public async Task The_capability_statement_declares_the_meta_operations()
    {
        var statement = await (await _client.GetAsync("metadata")).ReadJsonAsync();
        var rest = statement["rest"]![0]!;
        Assert.Contains(rest["operation"]!.AsArray(), o => (string?)o!["name"] == "meta" && (string?)o["definition"] == "http://hl7.org/fhir/OperationDefinition/Resource-meta");
        var patient = rest["resource"]!.AsArray().Single(r => (string?)r!["type"] == "Patient")!;
        var names = patient["operation"]!.AsArray().Select(o => (string?)o!["name"]).ToList();
        Assert.Contains("meta", names);
        Assert.Contains("meta-add", names);
        Assert.Contains("meta-delete", names);
    }
}
