namespace FhirPortal.Search.Tests;

public sealed class SearchQueryParserTests
{
    private static readonly SearchQueryParser Parser = new(SearchParameterRegistry.CreateDefault());

    private static ParsedSearch Parse(params (string Name, string Value)[] parameters) =>
        Parser.Parse("Patient", parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)), 20, 100);

    [Theory]
    [InlineData("123", SystemRule.Any, null, "123")]
    [InlineData("urn:mrn|123", SystemRule.Exact, "urn:mrn", "123")]
    [InlineData("|123", SystemRule.None, null, "123")]
    [InlineData("urn:mrn|", SystemRule.Exact, "urn:mrn", null)]
    [InlineData(@"urn:a\|b|x\,y", SystemRule.Exact, "urn:a|b", "x,y")]
    public void Token_values_follow_the_system_code_syntax(string value, SystemRule rule, string? system, string? code)
    {
        var condition = Assert.IsType<TokenCondition>(Assert.Single(Parse(("identifier", value)).Query.Conditions));
        Assert.Equal(new TokenMatch(rule, system, code), Assert.Single(condition.AnyOf));
    }

    [Fact]
    public void Comma_is_or_and_repetition_is_and()
    {
        var query = Parse(("identifier", "a,b"), ("identifier", "c"), ("_id", "x,y")).Query;
        Assert.Equal(3, query.Conditions.Count);
        Assert.Equal(2, Assert.IsType<TokenCondition>(query.Conditions[0]).AnyOf.Count);
        Assert.Equal(["x", "y"], Assert.IsType<IdCondition>(query.Conditions[2]).Ids);
    }

    [Fact]
    public void Unknown_parameters_are_reported_and_result_parameters_are_not()
    {
        var parsed = Parse(("nonsense", "1"), ("_format", "json"), ("_summary", "true"), ("name:exact", "x"));
        Assert.Equal(["nonsense", "name:exact"], parsed.Unsupported);
    }

    [Theory]
    [InlineData("5", 5)]
    [InlineData("500", 100)]
    public void Count_is_capped_at_the_maximum(string count, int expected) =>
        Assert.Equal(expected, Parse(("_count", count)).Query.Count);

    [Fact]
    public void A_negative_count_is_an_error() =>
        Assert.Throws<SearchParameterException>(() => Parse(("_count", "-1")));
}
