using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Search;

/// <summary>Token :in/:not-in over R4 core and stored ValueSets, :below/:above over a stored CodeSystem's hierarchy.</summary>
public sealed class TerminologySearchTests : SearchTestBase
{
    private const string Colors = "http://example.org/CodeSystem/colors";

    private Task SeedAsync() => PutAsync(
        """
        {"resourceType":"CodeSystem","id":"colors","url":"http://example.org/CodeSystem/colors","status":"active","content":"complete",
         "hierarchyMeaning":"is-a","concept":[
           {"code":"warm","concept":[{"code":"red","concept":[{"code":"crimson"}]},{"code":"orange"}]},
           {"code":"cool","concept":[{"code":"blue"}]}]}
        """,
        Observation("lab", "http://terminology.hl7.org/CodeSystem/observation-category", "laboratory", "crimson"),
        Observation("vitals", "http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "red"),
        Observation("local", "http://example.org/categories", "laboratory", "orange"),
        Observation("sky", "http://example.org/categories", "other", "blue"),
        """{"resourceType":"Observation","id":"bare","status":"final","code":{"coding":[{"system":"http://example.org/CodeSystem/colors","code":"warm"}]}}""");

    private static string Observation(string id, string categorySystem, string category, string color) => $$$"""
        {"resourceType":"Observation","id":"{{{id}}}","status":"final",
         "category":[{"coding":[{"system":"{{{categorySystem}}}","code":"{{{category}}}"}]}],
         "code":{"coding":[{"system":"http://example.org/CodeSystem/colors","code":"{{{color}}}"}]}}
        """;

    [Fact]
    public async Task In_and_not_in_use_core_value_sets_and_below_above_the_code_system_hierarchy()
    {
        await SeedAsync();
        await AssertIdsAsync("Observation?category:in=http://hl7.org/fhir/ValueSet/observation-category", "lab", "vitals");
        await AssertIdsAsync("Observation?category:not-in=http://hl7.org/fhir/ValueSet/observation-category", "local", "sky", "bare");
        await AssertIdsAsync($"Observation?code:below={Colors}|warm", "lab", "vitals", "local", "bare");
        await AssertIdsAsync($"Observation?code:below={Colors}|red", "lab", "vitals");
        await AssertIdsAsync($"Observation?code:above={Colors}|crimson", "lab", "vitals", "bare");
        await AssertIdsAsync($"Observation?code:above={Colors}|blue,{Colors}|orange", "sky", "local", "bare");
        await AssertIdsAsync($"Observation?code:below={Colors}|warm&category:in=http://hl7.org/fhir/ValueSet/observation-category", "lab", "vitals");
    }

    [Theory]
    [InlineData("Observation?code:below=warm", "system|code")]
    [InlineData("Observation?code:below=http://example.org/unknown|x", "http://example.org/unknown")]
    [InlineData("Observation?category:in=http://example.org/ValueSet/unknown", "http://example.org/ValueSet/unknown")]
    [InlineData("Observation?code:in=http://example.org/ValueSet/many", "too-costly")]
    public async Task Terminology_modifiers_that_cannot_apply_are_a_400(string url, string mentions)
    {
        var many = JsonNode.Parse("""
            {"resourceType":"ValueSet","id":"many","url":"http://example.org/ValueSet/many","status":"active",
             "compose":{"include":[{"system":"http://example.org/many","concept":[]}]}}
            """)!;
        var concepts = many["compose"]!["include"]![0]!["concept"]!.AsArray();
        for (var i = 0; i <= 1_000; i++) concepts.Add(new JsonObject { ["code"] = $"c{i}" });
        await PutAsync(many.ToJsonString());

        var response = await Client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Contains("OperationOutcome", body);
        Assert.Contains(mentions, body);
    }
}
