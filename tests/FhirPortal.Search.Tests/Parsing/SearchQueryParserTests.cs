using Hl7.Fhir.Model;

namespace FhirPortal.Search.Tests;

public sealed class SearchQueryParserTests
{
    private static readonly SearchQueryParser Parser = new(SearchParameterRegistry.CreateDefault());

    internal static ParsedSearch ParseFor(string? type, params (string Name, string Value)[] parameters) =>
        Parser.Parse(type, parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)), 20, 100);

    private static ParsedSearch Parse(params (string Name, string Value)[] parameters) => ParseFor("Patient", parameters);

    internal static SearchCondition Single(string type, string name, string value)
    {
        var parsed = ParseFor(type, (name, value));
        Assert.Empty(parsed.Unsupported);
        return Assert.Single(parsed.Query.Conditions);
    }

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
    public void Unknown_parameters_and_modifiers_are_reported_and_response_parameters_are_not()
    {
        var parsed = Parse(("nonsense", "1"), ("_format", "json"), ("_summary", "true"), ("_elements", "id"),
            ("_pretty", "true"), ("name:nonsense", "x"), ("gender:identifier", "x"),
            ("_contained", "true"), ("_containedType", "contained"), ("birthdate:exact", "2020"));
        Assert.Equal(["nonsense", "name:nonsense", "gender:identifier", "_contained", "_containedType", "birthdate:exact"],
            parsed.Unsupported);
        Assert.Empty(parsed.Query.Conditions);
    }

    [Fact]
    public void In_not_in_and_list_become_conditions_core_resolves()
    {
        var conditions = Parse(("gender:in", "http://vs"), ("gender:not-in", "ValueSet/x"), ("_list", "42")).Query.Conditions;
        Assert.Equal(new ValueSetCondition("gender", "http://vs", false), conditions[0]);
        Assert.Equal(new ValueSetCondition("gender", "ValueSet/x", true), conditions[1]);
        Assert.Equal(new ListCondition("42"), conditions[2]);
        Assert.Throws<SearchParameterException>(() => Parse(("gender:in", "http://a,http://b")));
    }

    [Fact]
    public void Below_and_above_take_system_and_code()
    {
        var conditions = ParseFor("Observation", ("code:below", "http://s|a,http://s|b"), ("code:above", "http://s|c")).Query.Conditions;
        var below = Assert.IsType<SubsumptionCondition>(conditions[0]);
        Assert.False(below.Above);
        Assert.Equal([new TokenMatch(SystemRule.Exact, "http://s", "a"), new TokenMatch(SystemRule.Exact, "http://s", "b")], below.AnyOf);
        Assert.True(Assert.IsType<SubsumptionCondition>(conditions[1]).Above);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("|a")]
    [InlineData("http://s|")]
    public void Below_without_a_system_or_code_is_refused(string value) =>
        Assert.Throws<SearchParameterException>(() => ParseFor("Observation", ("code:below", value)));

    [Theory]
    [InlineData("5", 5)]
    [InlineData("0", 0)]
    [InlineData("500", 100)]
    public void Count_is_capped_at_the_maximum(string count, int expected) =>
        Assert.Equal(expected, Parse(("_count", count)).Query.Count);

    [Fact]
    public void Count_defaults_and_cursor_is_passed_through()
    {
        var query = Parse(("_cursor", "abc")).Query;
        Assert.Equal(20, query.Count);
        Assert.Equal("abc", query.Cursor);
        Assert.Equal("Patient", query.ResourceType);
        Assert.Null(query.Types);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("ten")]
    public void A_bad_count_is_an_error(string count) =>
        Assert.Equal("_count", Assert.Throws<SearchParameterException>(() => Parse(("_count", count))).Parameter);

    // ---- string ----

    [Fact]
    public void Strings_are_normalised_by_default_and_for_contains_but_not_for_exact()
    {
        ConditionText.AssertSame(new StringCondition("name", ["eve smith", "a,b"]), Single("Patient", "name", @"Éve  SMITH,a\,b"));
        ConditionText.AssertSame(new StringCondition("name", ["Éve  Smith"], StringModifier.Exact), Single("Patient", "name:exact", "Éve  Smith"));
        ConditionText.AssertSame(new StringCondition("name", ["mit"], StringModifier.Contains), Single("Patient", "name:contains", "MIT"));
    }

    // ---- token ----

    [Fact]
    public void Token_not_and_text_modifiers()
    {
        ConditionText.AssertSame(new TokenCondition("gender", [new(SystemRule.Any, null, "male")], TokenModifier.Not),
            Single("Patient", "gender:not", "male"));
        ConditionText.AssertSame(new TokenCondition("code", [new(SystemRule.Any, null, "blood pressure")], TokenModifier.Text),
            Single("Observation", "code:text", "Blood  Pressure"));
    }

    [Fact]
    public void Token_of_type_matches_type_code_and_value_in_the_type_system()
    {
        var condition = Single("Patient", "identifier:of-type", "http://terminology.hl7.org/CodeSystem/v2-0203|MR|446053");
        ConditionText.AssertSame(new TokenCondition("identifier:of-type",
                [new(SystemRule.Exact, "http://terminology.hl7.org/CodeSystem/v2-0203", "MR|446053")]),
            condition);
    }

    [Fact]
    public void Token_of_type_needs_three_parts() =>
        Assert.Throws<SearchParameterException>(() => Parse(("identifier:of-type", "sys|MR")));

    [Theory]
    [InlineData("Patient", "gender", SearchParamType.Token, "true", true)]
    [InlineData("Patient", "birthdate", SearchParamType.Date, "false", false)]
    [InlineData("Patient", "name", SearchParamType.String, "true", true)]
    [InlineData("Observation", "subject", SearchParamType.Reference, "true", true)]
    [InlineData("Observation", "value-quantity", SearchParamType.Quantity, "true", true)]
    [InlineData("ValueSet", "url", SearchParamType.Uri, "true", true)]
    [InlineData("RiskAssessment", "probability", SearchParamType.Number, "false", false)]
    [InlineData("Observation", "code-value-quantity", SearchParamType.Composite, "true", true)]
    public void Missing_works_on_every_type(string type, string param, SearchParamType paramType, string value, bool missing) =>
        Assert.Equal(new MissingCondition(param, paramType, missing), Single(type, param + ":missing", value));

    [Fact]
    public void Missing_takes_only_true_or_false() =>
        Assert.Throws<SearchParameterException>(() => Parse(("gender:missing", "maybe")));

    // ---- number / date / quantity ----

    [Theory]
    [InlineData("100", Prefix.Eq, "100", "99.5", "100.5")]
    [InlineData("gt100.00", Prefix.Gt, "100", "99.995", "100.005")]
    [InlineData("le0.5", Prefix.Le, "0.5", "0.45", "0.55")]
    [InlineData("ap1e2", Prefix.Ap, "100", "50", "150")]
    [InlineData("ne-3", Prefix.Ne, "-3", "-3.5", "-2.5")]
    public void Numbers_have_a_prefix_and_a_precision_range(string value, Prefix prefix, string number, string low, string high)
    {
        var condition = Assert.IsType<NumberCondition>(Single("RiskAssessment", "probability", value));
        Assert.Equal("probability", condition.Param);
        Assert.Equal(new NumberMatch(prefix, decimal.Parse(number), decimal.Parse(low), decimal.Parse(high)), Assert.Single(condition.AnyOf));
    }

    [Theory]
    [InlineData("eq", Prefix.Eq)]
    [InlineData("ne", Prefix.Ne)]
    [InlineData("gt", Prefix.Gt)]
    [InlineData("lt", Prefix.Lt)]
    [InlineData("ge", Prefix.Ge)]
    [InlineData("le", Prefix.Le)]
    [InlineData("sa", Prefix.Sa)]
    [InlineData("eb", Prefix.Eb)]
    [InlineData("ap", Prefix.Ap)]
    [InlineData("", Prefix.Eq)]
    public void Dates_take_every_prefix(string prefix, Prefix expected)
    {
        var condition = Assert.IsType<DateCondition>(Single("Patient", "birthdate", prefix + "2020-02"));
        Assert.True(FhirDateRange.TryParse("2020-02", out var range));
        Assert.Equal(new DateMatch(expected, range), Assert.Single(condition.AnyOf));
    }

    [Theory]
    [InlineData("2020")]
    [InlineData("2020-02-29")]
    [InlineData("2020-02-29T10:00")]
    [InlineData("2020-02-29T10:00:00Z")]
    [InlineData("2020-02-29T10:00:00.123+02:00")]
    public void Dates_of_any_precision(string value)
    {
        var condition = Assert.IsType<DateCondition>(Single("Observation", "date", value));
        Assert.True(FhirDateRange.TryParse(value, out var range));
        Assert.Equal([new DateMatch(Prefix.Eq, range)], condition.AnyOf);
    }

    [Fact]
    public void An_unencoded_plus_in_a_zone_is_read_as_plus()
    {
        var condition = Assert.IsType<DateCondition>(Single("Observation", "date", "2020-02-29T10:00:00 02:00"));
        Assert.True(FhirDateRange.TryParse("2020-02-29T10:00:00+02:00", out var range));
        Assert.Equal(range, Assert.Single(condition.AnyOf).Range);
    }

    [Theory]
    [InlineData("birthdate", "2020-13-01")]
    [InlineData("birthdate", "yesterday")]
    [InlineData("birthdate", "xx2020")]
    [InlineData("birthdate", "gt")]
    public void Bad_dates_and_prefixes_are_errors(string param, string value) =>
        Assert.Equal(param, Assert.Throws<SearchParameterException>(() => Parse((param, value))).Parameter);

    [Theory]
    [InlineData("abc")]
    [InlineData("1,2x")]
    [InlineData("zz5")]
    [InlineData("1.2.3")]
    public void Bad_numbers_are_errors(string value) =>
        Assert.Throws<SearchParameterException>(() => ParseFor("RiskAssessment", ("probability", value)));

    [Fact]
    public void Quantities_with_a_ucum_unit_carry_the_canonical_form()
    {
        var condition = Assert.IsType<QuantityCondition>(Single("Observation", "value-quantity", "gt5.4|http://unitsofmeasure.org|mg"));
        Assert.True(UcumCanonical.TryCanonicalize(5.4m, "mg", out var canonicalValue, out var canonicalCode));
        Assert.Equal(new QuantityMatch(Prefix.Gt, 5.4m, 5.35m, 5.45m, "http://unitsofmeasure.org", "mg", canonicalCode, canonicalValue),
            Assert.Single(condition.AnyOf));
    }

    [Fact]
    public void Quantities_without_system_or_unit()
    {
        var condition = Assert.IsType<QuantityCondition>(Single("Observation", "value-quantity", "5.4||mg,le7,3|http://snomed.info/sct|258684004"));
        Assert.True(UcumCanonical.TryCanonicalize(5.4m, "mg", out var canonicalValue, out var canonicalCode));
        Assert.Equal(
            [
                new QuantityMatch(Prefix.Eq, 5.4m, 5.35m, 5.45m, null, "mg", canonicalCode, canonicalValue),
                new QuantityMatch(Prefix.Le, 7m, 6.5m, 7.5m, null, null),
                new QuantityMatch(Prefix.Eq, 3m, 2.5m, 3.5m, "http://snomed.info/sct", "258684004"),
            ],
            condition.AnyOf);
    }

    [Theory]
    [InlineData("5.4|mg")]
    [InlineData("many|http://unitsofmeasure.org|mg")]
    public void Bad_quantities_are_errors(string value) =>
        Assert.Throws<SearchParameterException>(() => ParseFor("Observation", ("value-quantity", value)));

    // ---- uri ----

    [Fact]
    public void Uris_are_exact_or_above_or_below()
    {
        ConditionText.AssertSame(new UriCondition("url", ["http://a/b"]), Single("ValueSet", "url", "http://a/b"));
        ConditionText.AssertSame(new UriCondition("url", ["http://a/b"], UriModifier.Above), Single("ValueSet", "url:above", "http://a/b"));
        ConditionText.AssertSame(new UriCondition("url", ["http://a/b"], UriModifier.Below), Single("ValueSet", "url:below", "http://a/b"));
    }

    // ---- composite ----

    [Fact]
    public void Composite_values_split_into_typed_components()
    {
        var condition = Assert.IsType<CompositeCondition>(Single("Observation", "code-value-quantity", "http://loinc.org|8480-6$gt140,8462-4$lt90"));
        Assert.Equal("code-value-quantity", condition.Param);
        Assert.Equal(2, condition.AnyOf.Count);
        ConditionText.AssertSame(new TokenCondition("code-value-quantity#0", [new(SystemRule.Exact, "http://loinc.org", "8480-6")]), condition.AnyOf[0][0]);
        ConditionText.AssertSame(new QuantityCondition("code-value-quantity#1", [new(Prefix.Gt, 140m, 139.5m, 140.5m, null, null)]), condition.AnyOf[0][1]);
        ConditionText.AssertSame(new TokenCondition("code-value-quantity#0", [new(SystemRule.Any, null, "8462-4")]), condition.AnyOf[1][0]);
        ConditionText.AssertSame(new QuantityCondition("code-value-quantity#1", [new(Prefix.Lt, 90m, 89.5m, 90.5m, null, null)]), condition.AnyOf[1][1]);
    }

    [Fact]
    public void A_composite_with_the_wrong_number_of_components_is_an_error() =>
        Assert.Throws<SearchParameterException>(() => ParseFor("Observation", ("code-value-quantity", "8480-6")));

    // ---- common parameters ----

    [Fact]
    public void Common_parameters_of_every_resource()
    {
        var query = Parse(("_lastUpdated", "gt2024"), ("_tag", "http://tags|t1"), ("_security", "R"), ("_profile", "http://p"),
            ("_source", "http://s"), ("_text", "diabetes"), ("_content", "insulin"), ("_id", @"a\,b")).Query;
        Assert.True(FhirDateRange.TryParse("2024", out var year));
        ConditionText.AssertSame(new DateCondition("_lastUpdated", [new(Prefix.Gt, year)]), query.Conditions[0]);
        ConditionText.AssertSame(new TokenCondition("_tag", [new(SystemRule.Exact, "http://tags", "t1")]), query.Conditions[1]);
        ConditionText.AssertSame(new TokenCondition("_security", [new(SystemRule.Any, null, "R")]), query.Conditions[2]);
        ConditionText.AssertSame(new UriCondition("_profile", ["http://p"]), query.Conditions[3]);
        ConditionText.AssertSame(new UriCondition("_source", ["http://s"]), query.Conditions[4]);
        Assert.Equal(new TextCondition(true, "diabetes"), query.Conditions[5]);
        Assert.Equal(new TextCondition(false, "insulin"), query.Conditions[6]);
        Assert.Equal(["a,b"], Assert.IsType<IdCondition>(query.Conditions[7]).Ids);
    }

    // ---- result parameters ----

    [Fact]
    public void Total_and_sort()
    {
        var query = Parse(("_total", "accurate"), ("_sort", "-birthdate,name"), ("_sort", "_id,-_lastUpdated")).Query;
        Assert.Equal(TotalMode.Accurate, query.Total);
        Assert.Equal([new SortKey("birthdate", true), new SortKey("name", false), new SortKey("_id", false), new SortKey("_lastUpdated", true)],
            query.Sort);
        Assert.Equal(TotalMode.Estimate, Parse(("_total", "estimate")).Query.Total);
        Assert.Equal(TotalMode.None, Parse(("_total", "none")).Query.Total);
    }

    [Theory]
    [InlineData("_sort", "nonsense")]
    [InlineData("_sort", "-")]
    [InlineData("_total", "lots")]
    public void Bad_sort_and_total_are_errors(string name, string value) =>
        Assert.Equal(name, Assert.Throws<SearchParameterException>(() => Parse((name, value))).Parameter);

    [Fact]
    public void Composite_parameters_cannot_be_sorted_by() =>
        Assert.Throws<SearchParameterException>(() => ParseFor("Observation", ("_sort", "code-value-quantity")));

    [Fact]
    public void Includes_and_revincludes()
    {
        var query = ParseFor("Observation", ("_include", "Observation:subject:Patient"), ("_include:iterate", "Patient:general-practitioner"),
            ("_include:recurse", "Observation:*"), ("_revinclude", "Provenance:target"), ("_include", "*")).Query;
        Assert.Equal(
            [
                new IncludeSpec("Observation", "subject", "Patient", false),
                new IncludeSpec("Patient", "general-practitioner", null, true),
                new IncludeSpec("Observation", "*", null, true),
                new IncludeSpec("Observation", "*", null, false),
            ],
            query.Includes);
        Assert.Equal([new IncludeSpec("Provenance", "target", null, false)], query.RevIncludes);
    }

    [Theory]
    [InlineData("Observation:code")]
    [InlineData("Observation:nonsense")]
    [InlineData("Nonsense:subject")]
    [InlineData("Observation:subject:Medication")]
    [InlineData("Observation")]
    public void Includes_must_name_a_reference_parameter_of_the_source(string value) =>
        Assert.Throws<SearchParameterException>(() => ParseFor("Observation", ("_include", value)));

    [Fact]
    public void Unknown_include_modifiers_are_unsupported() =>
        Assert.Equal(["_include:nonsense"], ParseFor("Observation", ("_include:nonsense", "Observation:subject")).Unsupported);

    // ---- system search and _type ----

    [Fact]
    public void System_search_narrows_by_type_and_resolves_parameters_on_every_type()
    {
        var parsed = ParseFor(null, ("_type", "Observation,Condition"), ("code", "123"), ("value-quantity", "5"), ("_lastUpdated", "2024"));
        Assert.Null(parsed.Query.ResourceType);
        Assert.Equal(["Observation", "Condition"], parsed.Query.Types);
        Assert.Equal(["value-quantity"], parsed.Unsupported);
        ConditionText.AssertSame(new TokenCondition("code", [new(SystemRule.Any, null, "123")]), parsed.Query.Conditions[0]);
        Assert.IsType<DateCondition>(parsed.Query.Conditions[1]);
    }

    [Fact]
    public void System_search_without_type_knows_only_the_common_parameters()
    {
        var parsed = ParseFor(null, ("_lastUpdated", "2024"), ("_tag", "x"), ("name", "x"), ("_sort", "-_lastUpdated"));
        Assert.Null(parsed.Query.Types);
        Assert.Equal(["name"], parsed.Unsupported);
        Assert.Equal(2, parsed.Query.Conditions.Count);
        Assert.Equal([new SortKey("_lastUpdated", true)], parsed.Query.Sort);
    }

    [Fact]
    public void Type_must_list_resource_types() =>
        Assert.Throws<SearchParameterException>(() => ParseFor(null, ("_type", "Observation,Nonsense")));

    [Fact]
    public void Type_is_unsupported_in_a_type_level_search() =>
        Assert.Equal(["_type"], Parse(("_type", "Patient")).Unsupported);
}
