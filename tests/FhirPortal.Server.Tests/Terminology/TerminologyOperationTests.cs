using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Terminology;

public sealed class TerminologyOperationTests(TerminologyHost server) : IClassFixture<TerminologyHost>
{
    private const string Gender = "http://hl7.org/fhir/ValueSet/administrative-gender";
    private const string Category = "http://hl7.org/fhir/ValueSet/observation-category";

    private static List<string> Codes(JsonNode valueSet) =>
        (valueSet["expansion"]?["contains"]?.AsArray() ?? []).Select(c => (string)c!["code"]!).ToList();

    private static JsonNode? Part(JsonNode parameters, string name) =>
        parameters["parameter"]!.AsArray().FirstOrDefault(p => (string?)p!["name"] == name);

    private static void AssertOutcome(HttpStatusCode expected, (HttpStatusCode Status, JsonNode Body) answer, string mentions)
    {
        Assert.True(expected == answer.Status, $"{answer.Status}: {answer.Body.ToJsonString()}");
        Assert.Equal("OperationOutcome", (string?)answer.Body["resourceType"]);
        Assert.Contains(mentions, answer.Body.ToJsonString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("""{"resourceType":"Parameters","parameter":[{"name":"url","valueUri":"http://hl7.org/fhir/ValueSet/administrative-gender"}]}""")]
    public async Task Expand_of_administrative_gender_has_its_four_codes(string? body)
    {
        var (status, valueSet) = await server.CallAsync(body is null ? $"ValueSet/$expand?url={Gender}" : "ValueSet/$expand", body);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["male", "female", "other", "unknown"], Codes(valueSet));
        Assert.Equal(4, (int)valueSet["expansion"]!["total"]!);
        Assert.All(valueSet["expansion"]!["contains"]!.AsArray(), c => Assert.Equal("http://hl7.org/fhir/administrative-gender", (string?)c!["system"]));
    }

    [Fact]
    public async Task Expand_filters_and_pages_observation_category()
    {
        var (_, all) = await server.CallAsync($"ValueSet/$expand?url={Category}");
        Assert.Equal(9, (int)all["expansion"]!["total"]!);

        var (status, vital) = await server.CallAsync($"ValueSet/$expand?url={Category}&filter=vital");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["vital-signs"], Codes(vital));
        Assert.Equal(1, (int)vital["expansion"]!["total"]!);
        Assert.Contains(vital["expansion"]!["parameter"]!.AsArray(), p => (string?)p!["name"] == "filter" && (string?)p!["valueString"] == "vital");

        var pages = new List<string>();
        for (var offset = 0; offset < 9; offset += 4)
        {
            var (_, page) = await server.CallAsync($"ValueSet/$expand?url={Category}&count=4&offset={offset}");
            Assert.Equal(9, (int)page["expansion"]!["total"]!);
            Assert.Equal(offset, (int)page["expansion"]!["offset"]!);
            Assert.True(Codes(page).Count <= 4);
            pages.AddRange(Codes(page));
        }
        Assert.Equal(Codes(all), pages);
    }

    [Fact]
    public async Task Expand_of_a_profiles_value_set_includes_its_stored_code_system()
    {
        var (status, valueSet) = await server.CallAsync("ValueSet/$expand?url=http://fhirportal.org/fhir/ValueSet/portal-message-category");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["appointment", "refill", "results", "billing", "general"], Codes(valueSet));

        var (_, byId) = await server.CallAsync("ValueSet/portal-message-category/$expand?filter=refill");
        Assert.Equal(["refill"], Codes(byId));
    }

    [Fact]
    public async Task Expand_of_a_stored_value_set_with_an_is_a_filter_uses_the_hierarchy()
    {
        var (status, valueSet) = await server.CallAsync("ValueSet/warm/$expand?count=10");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["crimson", "orange", "red", "warm"], Codes(valueSet).Order());
    }

    [Fact]
    public async Task Expand_of_a_value_set_in_the_body_needs_no_stored_copy()
    {
        var (status, valueSet) = await server.CallAsync("ValueSet/$expand", """
            {"resourceType":"Parameters","parameter":[{"name":"valueSet","resource":{"resourceType":"ValueSet","status":"draft",
              "compose":{"include":[{"system":"http://example.org/CodeSystem/colors","concept":[{"code":"blue"}]}]}}},
              {"name":"includeDesignations","valueBoolean":true}]}
            """);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["blue"], Codes(valueSet));
    }

    [Theory]
    [InlineData("ValueSet/$validate-code?url=http://hl7.org/fhir/ValueSet/administrative-gender&system=http://hl7.org/fhir/administrative-gender&code=male", true)]
    [InlineData("ValueSet/$validate-code?url=http://hl7.org/fhir/ValueSet/administrative-gender&system=http://hl7.org/fhir/administrative-gender&code=man", false)]
    [InlineData("ValueSet/warm/$validate-code?coding=http://example.org/CodeSystem/colors|crimson", true)]
    [InlineData("ValueSet/warm/$validate-code?coding=http://example.org/CodeSystem/colors|blue", false)]
    [InlineData("CodeSystem/$validate-code?url=http://example.org/CodeSystem/colors&code=blue", true)]
    [InlineData("CodeSystem/$validate-code?url=http://example.org/CodeSystem/colors&code=green", false)]
    [InlineData("CodeSystem/colors/$validate-code?code=crimson&display=Crimson", true)]
    [InlineData("CodeSystem/colors/$validate-code?code=purple", false)]
    [InlineData("CodeSystem/$validate-code?url=http://hl7.org/fhir/administrative-gender&code=female", true)]
    public async Task Validate_code_answers_result_and_a_message_when_false(string url, bool expected)
    {
        var (status, parameters) = await server.CallAsync(url);
        Assert.True(status == HttpStatusCode.OK, parameters.ToJsonString());
        Assert.Equal(expected, (bool)Part(parameters, "result")!["valueBoolean"]!);
        if (!expected) Assert.False(string.IsNullOrEmpty((string?)Part(parameters, "message")?["valueString"]), parameters.ToJsonString());
    }

    [Fact]
    public async Task Validate_code_takes_a_codeable_concept_in_a_post_body()
    {
        var (status, parameters) = await server.CallAsync("ValueSet/$validate-code", """
            {"resourceType":"Parameters","parameter":[{"name":"url","valueUri":"http://hl7.org/fhir/ValueSet/observation-category"},
              {"name":"codeableConcept","valueCodeableConcept":{"coding":[{"system":"http://example.org/x","code":"y"},
                {"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}}]}
            """);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True((bool)Part(parameters, "result")!["valueBoolean"]!);
        Assert.Equal("Laboratory", (string?)Part(parameters, "display")?["valueString"]);
    }

    [Fact]
    public async Task Lookup_of_male_names_the_code_system_and_display()
    {
        var (status, parameters) = await server.CallAsync("CodeSystem/$lookup?system=http://hl7.org/fhir/administrative-gender&code=male");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("AdministrativeGender", (string?)Part(parameters, "name")!["valueString"]);
        Assert.Equal("Male", (string?)Part(parameters, "display")!["valueString"]);
        Assert.Equal("4.0.1", (string?)Part(parameters, "version")!["valueString"]);
    }

    [Fact]
    public async Task Lookup_of_a_stored_code_has_designations_properties_and_hierarchy()
    {
        var (status, parameters) = await server.CallAsync("CodeSystem/$lookup", """
            {"resourceType":"Parameters","parameter":[{"name":"coding","valueCoding":{"system":"http://example.org/CodeSystem/colors","code":"red"}}]}
            """);
        Assert.True(status == HttpStatusCode.OK, parameters.ToJsonString());
        Assert.Equal("Colors", (string?)Part(parameters, "name")!["valueString"]);
        Assert.Equal("2", (string?)Part(parameters, "version")!["valueString"]);
        Assert.Equal("Red", (string?)Part(parameters, "display")!["valueString"]);
        Assert.Contains("\"Rot\"", Part(parameters, "designation")!.ToJsonString());
        var properties = parameters["parameter"]!.AsArray().Where(p => (string?)p!["name"] == "property")
            .Select(p => $"{p!["part"]![0]!["valueCode"]}={p["part"]![1]!.AsObject().Last().Value}").ToList();
        Assert.Equal(["hex=#ff0000", "parent=warm", "child=crimson"], properties);
    }

    [Theory]
    [InlineData("ConceptMap/$translate?url=http://example.org/ConceptMap/colors-to-traffic&system=http://example.org/CodeSystem/colors&code=red", true, "stop")]
    [InlineData("ConceptMap/colors-to-traffic/$translate?coding=http://example.org/CodeSystem/colors|orange", true, "caution")]
    [InlineData("ConceptMap/colors-to-traffic/$translate?system=http://example.org/CodeSystem/traffic&code=stop&reverse=true", true, "red")]
    [InlineData("ConceptMap/colors-to-traffic/$translate?system=http://example.org/CodeSystem/colors&code=blue", false, null)]
    public async Task Translate_maps_codes_with_a_stored_concept_map(string url, bool expected, string? target)
    {
        var (status, parameters) = await server.CallAsync(url);
        Assert.True(status == HttpStatusCode.OK, parameters.ToJsonString());
        Assert.Equal(expected, (bool)Part(parameters, "result")!["valueBoolean"]!);
        Assert.NotNull((string?)Part(parameters, "message")?["valueString"]);
        if (target is not null)
            Assert.Equal(target, (string?)Part(parameters, "match")!["part"]!.AsArray().First(p => (string?)p!["name"] == "concept")!["valueCoding"]!["code"]);
    }

    [Theory]
    [InlineData("ValueSet/$expand?url=http://example.org/ValueSet/none", HttpStatusCode.UnprocessableEntity, "http://example.org/ValueSet/none")]
    [InlineData("ValueSet/none/$expand", HttpStatusCode.NotFound, "ValueSet/none")]
    [InlineData("CodeSystem/none/$validate-code?code=x", HttpStatusCode.NotFound, "CodeSystem/none")]
    [InlineData("CodeSystem/$lookup?system=http://example.org/none&code=x", HttpStatusCode.UnprocessableEntity, "http://example.org/none")]
    [InlineData("CodeSystem/$lookup?system=http://example.org/CodeSystem/colors&code=green", HttpStatusCode.UnprocessableEntity, "green")]
    [InlineData("ConceptMap/$translate?url=http://example.org/none&system=a&code=b", HttpStatusCode.UnprocessableEntity, "http://example.org/none")]
    [InlineData("ValueSet/$expand", HttpStatusCode.BadRequest, "url")]
    [InlineData("ValueSet/$validate-code?url=http://hl7.org/fhir/ValueSet/administrative-gender", HttpStatusCode.BadRequest, "code")]
    [InlineData("ValueSet/$validate-code?url=http://hl7.org/fhir/ValueSet/administrative-gender&code=male", HttpStatusCode.BadRequest, "system")]
    [InlineData("CodeSystem/$lookup?code=male", HttpStatusCode.BadRequest, "system")]
    [InlineData("ConceptMap/colors-to-traffic/$translate", HttpStatusCode.BadRequest, "code")]
    [InlineData("ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/administrative-gender&count=x", HttpStatusCode.BadRequest, "count")]
    [InlineData("ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/administrative-gender&colour=red", HttpStatusCode.BadRequest, "colour")]
    [InlineData("ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/ucum-units", HttpStatusCode.UnprocessableEntity, "http://unitsofmeasure.org")]
    public async Task Errors_are_operation_outcomes_naming_what_is_wrong(string url, HttpStatusCode status, string mentions) =>
        AssertOutcome(status, await server.CallAsync(url), mentions);

    [Fact]
    public async Task Expanding_more_than_ten_thousand_codes_is_too_costly()
    {
        var body = JsonNode.Parse("""
            {"resourceType":"Parameters","parameter":[{"name":"valueSet","resource":{"resourceType":"ValueSet","status":"draft",
              "compose":{"include":[{"system":"http://example.org/many","concept":[]}]}}}]}
            """)!;
        var concepts = body["parameter"]![0]!["resource"]!["compose"]!["include"]![0]!["concept"]!.AsArray();
        for (var i = 0; i <= 10_000; i++) concepts.Add(new JsonObject { ["code"] = $"c{i}" });
        var answer = await server.CallAsync("ValueSet/$expand", body.ToJsonString());
        AssertOutcome(HttpStatusCode.BadRequest, answer, "more than 10000 codes");
        Assert.Equal("too-costly", (string?)answer.Body["issue"]![0]!["code"]);
    }

    [Fact]
    public async Task A_code_system_written_through_the_api_is_used_at_once()
    {
        var put = await server.Client.PutAsync("CodeSystem/sizes", Fhir.Body("""
            {"resourceType":"CodeSystem","id":"sizes","url":"http://example.org/CodeSystem/sizes","status":"active","content":"complete",
             "concept":[{"code":"s","display":"Small"},{"code":"l","display":"Large"}]}
            """));
        Assert.True(put.IsSuccessStatusCode);
        var (_, found) = await server.CallAsync("CodeSystem/$validate-code?url=http://example.org/CodeSystem/sizes&code=l");
        Assert.True((bool)Part(found, "result")!["valueBoolean"]!);
        var (_, display) = await server.CallAsync("CodeSystem/$lookup?system=http://example.org/CodeSystem/sizes&code=s");
        Assert.Equal("Small", (string?)Part(display, "display")!["valueString"]);
    }

    [Fact]
    public async Task Swagger_lists_the_operations()
    {
        using var client = server.Host.CreateClient();
        var paths = (await (await client.GetAsync("/swagger/v1/swagger.json")).ReadJsonAsync())["paths"]!.AsObject();
        foreach (var path in new[] { "/fhir/ValueSet/$expand", "/fhir/ValueSet/{id}/$validate-code", "/fhir/CodeSystem/$lookup", "/fhir/ConceptMap/{id}/$translate", "/fhir/CodeSystem/$subsumes", "/fhir/CodeSystem/{id}/$subsumes" })
            Assert.True(paths.ContainsKey(path), path);
    }

    [Fact]
    public async Task Capability_statement_declares_the_operations()
    {
        var (_, statement) = await server.CallAsync("metadata");
        var declared = statement["rest"]![0]!["resource"]!.AsArray()
            .SelectMany(r => (r!["operation"]?.AsArray() ?? []).Select(o => $"{r["type"]}:{o!["name"]}={o["definition"]}"))
            .ToList();
        foreach (var (type, name) in new[] { ("ValueSet", "expand"), ("ValueSet", "validate-code"), ("CodeSystem", "lookup"), ("CodeSystem", "validate-code"), ("CodeSystem", "subsumes"), ("ConceptMap", "translate") })
            Assert.Contains($"{type}:{name}=http://hl7.org/fhir/OperationDefinition/{type}-{name}", declared);
    }
}
