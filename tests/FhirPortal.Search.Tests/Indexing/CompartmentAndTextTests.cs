using Hl7.Fhir.Model;

namespace FhirPortal.Search.Tests;

public sealed class CompartmentAndTextTests
{
    [Fact]
    public void Observation_subject_patient_is_compartment_membership()
    {
        var observation = new Observation
        {
            Subject = new ResourceReference("Patient/p1"),
            Performer = [new ResourceReference("Patient/p2"), new ResourceReference("Practitioner/dr")],
            Focus = [new ResourceReference("Patient/not-a-compartment-param")],
        };

        var compartments = Indexing.Indexer.Index(observation).Compartments;

        Assert.Equal(
            new[] { new CompartmentIndexValue("Patient", "p1"), new CompartmentIndexValue("Patient", "p2") }.ToHashSet(),
            compartments.ToHashSet());
    }

    [Fact]
    public void Patient_is_in_its_own_compartment_and_group_subjects_are_not()
    {
        Assert.Equal([new CompartmentIndexValue("Patient", "me")], Indexing.Indexer.Index(new Patient { Id = "me" }).Compartments);
        Assert.Empty(Indexing.Indexer.Index(new Observation { Subject = new ResourceReference("Group/g") }).Compartments);
        Assert.Empty(Indexing.Indexer.Index(new Organization { Id = "o" }).Compartments);
    }

    [Fact]
    public void Encounter_and_condition_patients_are_compartments()
    {
        Assert.Contains(new CompartmentIndexValue("Patient", "e1"),
            Indexing.Indexer.Index(new Encounter { Subject = new ResourceReference("Patient/e1") }).Compartments);
        Assert.Contains(new CompartmentIndexValue("Patient", "c1"),
            Indexing.Indexer.Index(new Condition { Subject = new ResourceReference("Patient/c1") }).Compartments);
    }

    [Fact]
    public void Narrative_is_plain_text_and_content_holds_all_strings()
    {
        var patient = new Patient
        {
            Text = new Narrative
            {
                Status = Narrative.NarrativeStatus.Generated,
                Div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Peter &amp; <b>Chalmers</b></p>\n  <p>born&#160;1974</p></div>",
            },
            Name = [new HumanName { Family = "Chalmers", Given = ["Peter"] }],
            Address = [new Address { City = "Springfield" }],
        };

        var index = Indexing.Indexer.Index(patient);

        Assert.Equal("Peter & Chalmers born\u00a01974".Replace('\u00a0', ' '), index.Narrative!.Replace('\u00a0', ' '));
        Assert.DoesNotContain("<", index.Narrative);
        Assert.Contains("Chalmers", index.Content);
        Assert.Contains("Springfield", index.Content);
        Assert.DoesNotContain("<p>", index.Content);
    }

    [Fact]
    public void Profiles_and_sources_from_meta_are_uris()
    {
        var patient = new Patient
        {
            Meta = new Meta { Profile = ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"], Source = "http://example.org/src#a" },
        };

        var uris = Indexing.Indexer.Index(patient).Uris;

        Assert.Contains(new UriIndexValue("_profile", "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"), uris);
        Assert.Contains(new UriIndexValue("_source", "http://example.org/src#a"), uris);
    }
}
