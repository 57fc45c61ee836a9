using static FhirPortal.Search.Tests.ConditionText;
using static FhirPortal.Search.Tests.SearchQueryParserTests;

namespace FhirPortal.Search.Tests;

/// <summary>Reference parameters, chaining and reverse chaining (_has).</summary>
public sealed class SearchQueryParserReferenceTests
{
    [Theory]
    [InlineData("Patient/123", "Patient", "123", null)]
    [InlineData("Patient/123/_history/2", "Patient", "123", null)]
    [InlineData("123", null, "123", null)]
    [InlineData("http://example.org/fhir/Patient/123", "Patient", "123", "http://example.org/fhir/Patient/123")]
    [InlineData("http://example.org/fhir/Patient/123/_history/2", "Patient", "123", "http://example.org/fhir/Patient/123/_history/2")]
    [InlineData("http://example.org/registry/abc", null, null, "http://example.org/registry/abc")]
    [InlineData("urn:uuid:0b7c6f3e-1d1a-4c5b-9a43-3b8f0c6d3c11", null, null, "urn:uuid:0b7c6f3e-1d1a-4c5b-9a43-3b8f0c6d3c11")]
    public void Reference_values(string value, string? type, string? id, string? url) =>
        AssertSame(new ReferenceCondition("subject", [new ReferenceMatch(type, id, url)]), Single("Observation", "subject", value));

    [Fact]
    public void Type_modifier_types_a_plain_id() =>
        AssertSame(new ReferenceCondition("subject", [new ReferenceMatch("Patient", "123", null), new ReferenceMatch("Patient", "456", null)]),
            Single("Observation", "subject:Patient", "123,Patient/456"));

    [Theory]
    [InlineData("subject", "Medication/1")]      // not a target of Observation.subject
    [InlineData("subject:Medication", "1")]
    [InlineData("subject:Patient", "Group/1")]
    [InlineData("subject", "Nonsense/1")]
    [InlineData("subject", "a/b/c")]
    [InlineData("subject", "bad id!")]
    public void Bad_references_are_errors(string name, string value) =>
        Assert.Equal(name, Assert.Throws<SearchParameterException>(() => ParseFor("Observation", (name, value))).Parameter);

    [Fact]
    public void Identifier_modifier_matches_the_reference_identifier() =>
        AssertSame(new ReferenceIdentifierCondition("subject", [new TokenMatch(SystemRule.Exact, "urn:mrn", "42")]),
            Single("Observation", "subject:identifier", "urn:mrn|42"));

    [Fact]
    public void Reference_above_is_unsupported() =>
        Assert.Equal(["subject:above"], ParseFor("Observation", ("subject:above", "Patient/1")).Unsupported);

    [Fact]
    public void Chain_with_a_type_modifier() =>
        AssertSame(new ChainCondition("subject", "Patient", new StringCondition("name", ["peter"])),
            Single("Observation", "subject:Patient.name", "Peter"));

    [Fact]
    public void Chain_infers_the_only_target() =>
        AssertSame(new ChainCondition("organization", "Organization", new StringCondition("name", ["acme"], StringModifier.Exact)),
            Single("Patient", "organization.name:exact", "acme"));

    [Fact]
    public void Chain_infers_the_only_target_that_defines_the_parameter() =>
        // Observation.subject refers to Patient, Group, Device or Location; only Patient has "gender".
        AssertSame(new ChainCondition("subject", "Patient", new TokenCondition("gender", [new TokenMatch(SystemRule.Any, null, "male")])),
            Single("Observation", "subject.gender", "male"));

    [Fact]
    public void An_ambiguous_chain_asks_for_the_type()
    {
        var e = Assert.Throws<SearchParameterException>(() => ParseFor("Observation", ("subject.name", "peter")));
        Assert.Equal("subject.name", e.Parameter);
        Assert.Contains("subject:", e.Message);
    }

    [Fact]
    public void Multi_level_chain() =>
        AssertSame(
            new ChainCondition("subject", "Patient",
                new ChainCondition("organization", "Organization", new StringCondition("name", ["x"]))),
            Single("Observation", "subject:Patient.organization.name", "x"));

    [Theory]
    [InlineData("gender.name")]              // not a reference
    [InlineData("_id.name")]
    [InlineData("organization:Patient.name")] // not a target
    [InlineData("organization.")]
    public void Bad_chains_are_errors(string name) =>
        Assert.Throws<SearchParameterException>(() => ParseFor("Patient", (name, "x")));

    [Fact]
    public void A_chain_to_an_unknown_parameter_is_unsupported() =>
        Assert.Equal(["organization.nonsense"], ParseFor("Patient", ("organization.nonsense", "x")).Unsupported);

    [Fact]
    public void Reverse_chain() =>
        AssertSame(new HasCondition("Observation", "patient", new TokenCondition("code", [new TokenMatch(SystemRule.Any, null, "1234-5")])),
            Single("Patient", "_has:Observation:patient:code", "1234-5"));

    [Fact]
    public void Nested_reverse_chain() =>
        AssertSame(
            new HasCondition("Observation", "patient",
                new HasCondition("AuditEvent", "entity", new ReferenceCondition("agent", [new ReferenceMatch(null, "x", null)]))),
            Single("Patient", "_has:Observation:patient:_has:AuditEvent:entity:agent", "x"));

    [Theory]
    [InlineData("_has:Observation:patient")]
    [InlineData("_has:Nonsense:patient:code")]
    [InlineData("_has:Observation:code:code")]   // not a reference
    [InlineData("_has:Observation:encounter:code")] // Observation.encounter cannot refer to a Patient
    public void Bad_reverse_chains_are_errors(string name) =>
        Assert.Throws<SearchParameterException>(() => ParseFor("Patient", (name, "x")));
}
