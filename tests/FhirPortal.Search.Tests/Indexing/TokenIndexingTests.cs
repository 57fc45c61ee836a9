using Hl7.Fhir.Model;

namespace FhirPortal.Search.Tests;

public sealed class TokenIndexingTests
{
    private const string V2 = "http://terminology.hl7.org/CodeSystem/v2-0203";

    [Fact]
    public void Typed_identifiers_give_of_type_values_and_type_text()
    {
        var patient = new Patient
        {
            Identifier =
            [
                new Identifier("http://hospital.example/mrn", "12345")
                {
                    Type = new CodeableConcept(V2, "MR", "Medical record number", "MRN"),
                },
            ],
        };

        var tokens = Indexing.Indexer.Index(patient).Tokens;

        Assert.Contains(new TokenIndexValue("identifier", "http://hospital.example/mrn", "12345", "MRN"), tokens);
        Assert.Contains(new TokenIndexValue("identifier:of-type", V2, "MR|12345"), tokens);
    }

    [Fact]
    public void Telecom_values_are_tokens_for_telecom_phone_and_email()
    {
        var patient = new Patient
        {
            Telecom =
            [
                new ContactPoint(ContactPoint.ContactPointSystem.Phone, ContactPoint.ContactPointUse.Home, "555-1234"),
                new ContactPoint(ContactPoint.ContactPointSystem.Email, null, "a@example.org"),
            ],
        };

        var tokens = Indexing.Indexer.Index(patient).Tokens;

        Assert.Contains(new TokenIndexValue("telecom", null, "555-1234"), tokens);
        Assert.Contains(new TokenIndexValue("telecom", null, "a@example.org"), tokens);
        Assert.Contains(new TokenIndexValue("phone", null, "555-1234"), tokens);
        Assert.DoesNotContain(new TokenIndexValue("phone", null, "a@example.org"), tokens);
        Assert.Contains(new TokenIndexValue("email", null, "a@example.org"), tokens);
    }

    [Fact]
    public void Codings_carry_display_and_concept_text_for_text_modifier()
    {
        var observation = new Observation
        {
            Code = new CodeableConcept
            {
                Coding = [new Coding("http://loinc.org", "2339-0", "Glucose [Mass/volume] in Blood")],
                Text = "Blood sugar",
            },
        };

        var tokens = Indexing.Indexer.Index(observation).Tokens.Where(t => t.Param == "code").ToList();

        Assert.Contains(new TokenIndexValue("code", "http://loinc.org", "2339-0", "Glucose [Mass/volume] in Blood"), tokens);
        Assert.Contains(tokens, t => t.Text == "Blood sugar");
    }

    [Fact]
    public void Meta_tags_and_security_labels_are_tokens()
    {
        var patient = new Patient
        {
            Meta = new Meta
            {
                Tag = [new Coding("http://example.org/tags", "vip", "Very important")],
                Security = [new Coding("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R")],
            },
        };

        var tokens = Indexing.Indexer.Index(patient).Tokens;

        Assert.Contains(new TokenIndexValue("_tag", "http://example.org/tags", "vip", "Very important"), tokens);
        Assert.Contains(new TokenIndexValue("_security", "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R"), tokens);
    }
}
