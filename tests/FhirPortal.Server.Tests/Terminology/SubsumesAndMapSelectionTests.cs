using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Terminology;

/// <summary>CodeSystem/$subsumes over core and stored hierarchies, and ConceptMap/$translate choosing its map by source/target.</summary>
public sealed class SubsumesAndMapSelectionTests(TerminologyHost server) : IClassFixture<TerminologyHost>
{
    private const string IssueType = "http://hl7.org/fhir/issue-type";
    private const string Gender = "http://hl7.org/fhir/administrative-gender";

    private static JsonNode? Part(JsonNode parameters, string name) =>
        parameters["parameter"]!.AsArray().FirstOrDefault(p => (string?)p!["name"] == name);

    private static List<string> Matches(JsonNode parameters) =>
        parameters["parameter"]!.AsArray().Where(p => (string?)p!["name"] == "match")
            .Select(m => $"{m!["part"]!.AsArray().First(p => (string?)p!["name"] == "concept")!["valueCoding"]!["code"]}"
                         + $"@{m["part"]!.AsArray().First(p => (string?)p!["name"] == "source")!["valueUri"]}")
            .ToList();

    [Theory]
    // Core CodeSystem issue-type: invalid > structure, processing > not-found.
    [InlineData($"CodeSystem/$subsumes?system={IssueType}&codeA=invalid&codeB=structure", "subsumes")]
    [InlineData($"CodeSystem/$subsumes?system={IssueType}&codeA=structure&codeB=invalid", "subsumed-by")]
    [InlineData($"CodeSystem/$subsumes?system={IssueType}&codeA=structure&codeB=not-found", "not-subsumed")]
    [InlineData($"CodeSystem/$subsumes?codingA={IssueType}|invalid&codingB={IssueType}|invalid", "equivalent")]
    // Stored CodeSystem colors: warm > red > crimson (transitive), cool > blue.
    [InlineData($"CodeSystem/$subsumes?system={TerminologyHost.Colors}&codeA=warm&codeB=crimson", "subsumes")]
    [InlineData($"CodeSystem/$subsumes?system={TerminologyHost.Colors}&version=2&codeA=crimson&codeB=red", "subsumed-by")]
    [InlineData("CodeSystem/colors/$subsumes?codeA=blue&codeB=red", "not-subsumed")]
    [InlineData($"CodeSystem/colors/$subsumes?codingA={TerminologyHost.Colors}|cool&codeB=blue", "subsumes")]
    public async Task Subsumes_answers_how_two_codes_relate(string url, string outcome)
    {
        var (status, parameters) = await server.CallAsync(url);
        Assert.True(status == HttpStatusCode.OK, parameters.ToJsonString());
        Assert.Equal(outcome, (string?)Part(parameters, "outcome")!["valueCode"]);
    }

    [Fact]
    public async Task Subsumes_takes_codings_in_a_post_body()
    {
        var (status, parameters) = await server.CallAsync("CodeSystem/$subsumes", $$$"""
            {"resourceType":"Parameters","parameter":[
              {"name":"codingA","valueCoding":{"system":"{{{TerminologyHost.Colors}}}","code":"red"}},
              {"name":"codingB","valueCoding":{"system":"{{{TerminologyHost.Colors}}}","code":"crimson"}}]}
            """);
        Assert.True(status == HttpStatusCode.OK, parameters.ToJsonString());
        Assert.Equal("subsumes", (string?)Part(parameters, "outcome")!["valueCode"]);
    }

    [Theory]
    [InlineData($"CodeSystem/$subsumes?system={IssueType}&codeA=invalid", HttpStatusCode.BadRequest, "codeB")]
    [InlineData($"CodeSystem/$subsumes?system={IssueType}&codeA=invalid&codingA={IssueType}|value&codeB=value", HttpStatusCode.BadRequest, "codeA")]
    [InlineData("CodeSystem/$subsumes?codeA=invalid&codeB=value", HttpStatusCode.BadRequest, "system")]
    [InlineData($"CodeSystem/$subsumes?codingA={IssueType}|invalid&codingB={Gender}|male", HttpStatusCode.BadRequest, Gender)]
    [InlineData($"CodeSystem/$subsumes?system={IssueType}&codeA=invalid&codeB=nonsense", HttpStatusCode.UnprocessableEntity, "nonsense")]
    [InlineData("CodeSystem/$subsumes?system=http://example.org/none&codeA=a&codeB=b", HttpStatusCode.UnprocessableEntity, "http://example.org/none")]
    [InlineData("CodeSystem/none/$subsumes?codeA=a&codeB=b", HttpStatusCode.NotFound, "CodeSystem/none")]
    [InlineData($"CodeSystem/colors/$subsumes?codingA={IssueType}|invalid&codeB=red", HttpStatusCode.BadRequest, IssueType)]
    [InlineData($"CodeSystem/$subsumes?system={IssueType}&codeA=invalid&codeB=value&code=x", HttpStatusCode.BadRequest, "code")]
    public async Task Subsumes_errors_are_operation_outcomes(string url, HttpStatusCode status, string mentions)
    {
        var (actual, body) = await server.CallAsync(url);
        Assert.True(status == actual, $"{actual}: {body.ToJsonString()}");
        Assert.Equal("OperationOutcome", (string?)body["resourceType"]);
        Assert.Contains(mentions, body.ToJsonString());
    }

    [Theory]
    // The core map administrative-gender → v2-0001, chosen by its source and target ValueSets.
    [InlineData($"ConceptMap/$translate?system={Gender}&code=male&source=http://hl7.org/fhir/ValueSet/administrative-gender&target=http://terminology.hl7.org/ValueSet/v2-0001",
        true, "M@http://hl7.org/fhir/ConceptMap/cm-administrative-gender-v2")]
    // By target system only: the stored map into the traffic CodeSystem.
    [InlineData("ConceptMap/$translate?system=http://example.org/CodeSystem/colors&code=red&targetsystem=http://example.org/CodeSystem/traffic",
        true, "stop@http://example.org/ConceptMap/colors-to-traffic")]
    // Reverse: chosen by the map's target system, answering the source code.
    [InlineData("ConceptMap/$translate?system=http://example.org/CodeSystem/traffic&code=stop&reverse=true&target=http://example.org/ValueSet/signals",
        true, "red@http://example.org/ConceptMap/colors-to-signals")]
    // No map from this source ValueSet: result false with a message, no match.
    [InlineData($"ConceptMap/$translate?system={Gender}&code=male&source=http://example.org/ValueSet/unknown", false, null)]
    public async Task Translate_without_a_map_chooses_one_by_source_target_or_target_system(string url, bool result, string? match)
    {
        var put = await server.Client.PutAsync("ConceptMap/colors-to-signals", Fhir.Body("""
            {"resourceType":"ConceptMap","id":"colors-to-signals","url":"http://example.org/ConceptMap/colors-to-signals","status":"active",
             "sourceCanonical":"http://example.org/ValueSet/warm","targetCanonical":"http://example.org/ValueSet/signals",
             "group":[{"source":"http://example.org/CodeSystem/colors","target":"http://example.org/CodeSystem/traffic",
               "element":[{"code":"red","target":[{"code":"stop","equivalence":"equivalent"}]}]}]}
            """));
        Assert.True(put.IsSuccessStatusCode);

        var (status, parameters) = await server.CallAsync(url);

        Assert.True(status == HttpStatusCode.OK, parameters.ToJsonString());
        Assert.Equal(result, (bool)Part(parameters, "result")!["valueBoolean"]!);
        Assert.NotNull((string?)Part(parameters, "message")?["valueString"]);
        if (match is null) Assert.Empty(Matches(parameters));
        else Assert.Contains(match, Matches(parameters));
    }

    [Theory]
    [InlineData("ConceptMap/$translate?system=http://example.org/CodeSystem/colors&code=red", "url")]
    [InlineData("ConceptMap/$translate?source=http://hl7.org/fhir/ValueSet/administrative-gender", "code")]
    public async Task Translate_without_a_map_or_a_way_to_choose_one_is_a_400(string url, string mentions)
    {
        var (status, body) = await server.CallAsync(url);
        Assert.True(status == HttpStatusCode.BadRequest, body.ToJsonString());
        Assert.Equal("OperationOutcome", (string?)body["resourceType"]);
        Assert.Contains(mentions, body.ToJsonString());
    }
}
