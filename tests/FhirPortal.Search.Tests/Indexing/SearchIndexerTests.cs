using Hl7.Fhir.Model;

namespace FhirPortal.Search.Tests;

public sealed class SearchIndexerTests
{
    private static readonly SearchIndexer Indexer = new(SearchParameterRegistry.CreateDefault());

    [Fact]
    public void Identifier_and_coded_elements_become_token_values()
    {
        var observation = new Observation
        {
            Identifier = [new Identifier("urn:lab", "A-1")],
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "8480-6"),
            Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        };

        var tokens = Indexer.Index(observation).Tokens;

        Assert.Contains(new TokenIndexValue("identifier", "urn:lab", "A-1"), tokens);
        Assert.Contains(new TokenIndexValue("code", "http://loinc.org", "8480-6"), tokens);
        Assert.Contains(new TokenIndexValue("status", null, "final"), tokens);
        Assert.Contains(new TokenIndexValue("category", "http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs"), tokens);
    }

    [Fact]
    public void Expression_that_yields_a_value_for_an_absent_element_is_still_evaluated()
    {
        // R4 Patient-deceased is "deceased.exists() and deceased != false": false when deceased is absent. Skipping
        // parameters whose elements are absent must not skip this one.
        var tokens = Indexer.Index(new Patient { Active = true }).Tokens;

        Assert.Contains(new TokenIndexValue("deceased", null, "false"), tokens);
    }

    [Fact]
    public void Parameters_of_absent_elements_index_nothing_and_present_ones_still_index()
    {
        var observation = new Observation
        {
            Code = new CodeableConcept("http://loinc.org", "85354-9"),
            Component = [new Observation.ComponentComponent { Code = new CodeableConcept("http://loinc.org", "8480-6"), Value = new Quantity(120, "mm[Hg]") }],
        };

        var index = Indexer.Index(observation);

        Assert.Contains(new TokenIndexValue("component-code", "http://loinc.org", "8480-6"), index.Tokens);
        Assert.Contains(index.Quantities, q => q.Param == "component-value-quantity" && q.Value == 120);
        Assert.DoesNotContain(index.Quantities, q => q.Param == "value-quantity");
        Assert.DoesNotContain(index.References, r => r.Param is "subject" or "patient" or "encounter");
    }

    [Fact]
    public void Booleans_and_contact_points_are_tokens_without_system()
    {
        var patient = new Patient
        {
            Active = true,
            Telecom = [new ContactPoint(ContactPoint.ContactPointSystem.Email, null, "a@example.org")],
            Gender = AdministrativeGender.Female,
        };

        var tokens = Indexer.Index(patient).Tokens;

        Assert.Contains(new TokenIndexValue("active", null, "true"), tokens);
        Assert.Contains(new TokenIndexValue("email", null, "a@example.org"), tokens);
        Assert.Contains(new TokenIndexValue("gender", null, "female"), tokens);
    }

    [Fact]
    public void Shared_definitions_are_narrowed_to_the_indexed_type()
    {
        var registry = SearchParameterRegistry.CreateDefault();
        Assert.True(registry.TryGet("Observation", "code", out var code));
        Assert.Equal("Observation.code", code.Expression);
        Assert.True(registry.TryGet("Condition", "patient", out var patient));
        Assert.Equal("Condition.subject.where(resolve() is Patient)", patient.Expression);
    }
}
