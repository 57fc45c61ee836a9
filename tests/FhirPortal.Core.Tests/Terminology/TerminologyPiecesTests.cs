using FhirPortal.Core.Terminology;
using FhirPortal.Core.Tests.Validation;
using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Terminology;

public sealed class TerminologyPiecesTests
{
    private static CodeSystem Colors() => (CodeSystem)ValidatorFactory.Parse("""
        {"resourceType":"CodeSystem","url":"http://example.org/colors","status":"active","content":"complete",
         "property":[{"code":"broader","uri":"http://hl7.org/fhir/concept-properties#parent","type":"code"}],
         "concept":[{"code":"warm","display":"Warm colour","concept":[{"code":"red","display":"Red","concept":[{"code":"crimson","display":"Crimson red"}]}]},
                    {"code":"scarlet","display":"Scarlet","property":[{"code":"broader","valueCode":"red"}]},
                    {"code":"blue","display":"Blue"}]}
        """);

    [Theory]
    [InlineData("crimson", new[] { "red", "warm" })]
    [InlineData("scarlet", new[] { "red", "warm" })]
    [InlineData("warm", new string[0])]
    public void Ancestors_follow_nesting_and_the_parent_property(string code, string[] expected) =>
        Assert.Equal(expected, CodeSystems.Ancestors(Colors(), code));

    [Fact]
    public void Lookup_of_an_unknown_code_is_a_422_naming_it()
    {
        var error = Assert.Throws<FhirOutcomeException>(() => CodeSystems.Lookup(Colors(), "green", []));
        Assert.Equal(422, error.Status);
        Assert.Contains("green", error.Message);
    }

    [Theory]
    [InlineData("red", null, null, new[] { "red", "crimson" }, 2)]
    [InlineData("RED", null, null, new[] { "red", "crimson" }, 2)]
    [InlineData("col war", null, null, new[] { "warm" }, 1)]
    [InlineData(null, 1, 2, new[] { "red", "crimson" }, 5)]
    [InlineData(null, 4, 10, new[] { "blue" }, 5)]
    public void Filter_and_paging_work_on_the_flat_expansion(string? filter, int? offset, int? count, string[] expected, int total)
    {
        var valueSet = new ValueSet { Expansion = new ValueSet.ExpansionComponent { Contains = Contains(Colors().Concept) } };
        var page = ExpansionPage.Apply(valueSet, filter, offset, count, includeDesignations: false);
        Assert.Equal(expected, page.Expansion!.Contains.Select(c => c.Code));
        Assert.Equal(total, page.Expansion.Total);
        Assert.All(page.Expansion.Contains, c => Assert.Empty(c.Contains));
    }

    private static List<ValueSet.ContainsComponent> Contains(IEnumerable<CodeSystem.ConceptDefinitionComponent> concepts) =>
        concepts.Select(c => new ValueSet.ContainsComponent { System = "http://example.org/colors", Code = c.Code, Display = c.Display, Contains = Contains(c.Concept) }).ToList();

    [Fact]
    public async Task Engine_expands_core_value_sets_and_sees_a_stored_one_at_once()
    {
        var resources = ValidatorFactory.Resources();
        var engine = new TerminologyEngine(new ResourceValidator(resources, ValidationSettings.None));
        var gender = await engine.FindValueSetAsync("http://hl7.org/fhir/ValueSet/administrative-gender");
        var expanded = await engine.ExpandAsync(gender!, shared: true);
        Assert.Equal(["male", "female", "other", "unknown"], expanded.Expansion!.Contains.Select(c => c.Code));
        Assert.Null(await engine.FindValueSetAsync("http://hl7.org/fhir/ValueSet/administrative-gender|3.0.0"));

        Assert.Null(await engine.FindCodeSystemAsync("http://example.org/colors"));
        var colors = Colors();
        colors.Id = "colors";
        resources.Set(colors);
        Assert.NotNull(await engine.FindCodeSystemAsync("http://example.org/colors"));
    }

    [Theory]
    [InlineData("count", "x")]
    [InlineData("count", "-1")]
    [InlineData("includeDesignations", "yes")]
    public void Input_of_the_wrong_shape_is_a_400_naming_it(string name, string value)
    {
        var input = TerminologyInput.From([new(name, value)], null);
        var error = Assert.Throws<FhirOutcomeException>(() => name == "count" ? input.Integer(name) : (object?)input.Boolean(name));
        Assert.Equal(400, error.Status);
        Assert.Contains(name, error.Message);
    }

    [Fact]
    public void Input_reads_a_coding_from_the_url_and_refuses_repeats()
    {
        var input = TerminologyInput.From([new("coding", "http://s|c"), new("code", "a"), new("code", "b")], null);
        Assert.Equal(("http://s", "c"), (input.Coding("coding")!.System, input.Coding("coding")!.Code));
        Assert.Equal(400, Assert.Throws<FhirOutcomeException>(() => input.Text("code")).Status);
        Assert.Equal(400, Assert.Throws<FhirOutcomeException>(() => input.Allow("$x", "coding")).Status);
    }
}
