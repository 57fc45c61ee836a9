using Hl7.Fhir.Model;

namespace FhirPortal.Search.Tests;

public sealed class ReferenceIndexingTests
{
    [Fact]
    public void Encounter_subject_is_a_local_target_and_a_patient()
    {
        var encounter = new Encounter { Subject = new ResourceReference("Patient/p1/_history/3") };

        var references = Indexing.Indexer.Index(encounter).References;

        Assert.Contains(new ReferenceIndexValue("subject", "Patient", "p1", null), references);
        Assert.Contains(new ReferenceIndexValue("patient", "Patient", "p1", null), references);
    }

    [Fact]
    public void Resolve_is_filters_by_the_referenced_type()
    {
        var onGroup = new Observation { Subject = new ResourceReference("Group/g1") };
        var onPatient = new Condition { Subject = new ResourceReference("Patient/p2") };

        var groupRefs = Indexing.Indexer.Index(onGroup).References;
        var patientRefs = Indexing.Indexer.Index(onPatient).References;

        Assert.Contains(new ReferenceIndexValue("subject", "Group", "g1", null), groupRefs);
        Assert.DoesNotContain(groupRefs, r => r.Param == "patient");
        Assert.Contains(new ReferenceIndexValue("patient", "Patient", "p2", null), patientRefs);
    }

    [Fact]
    public void Absolute_urn_contained_and_logical_references()
    {
        var observation = new Observation
        {
            Subject = new ResourceReference("http://other.example/fhir/Patient/x9/_history/1"),
            Performer =
            [
                new ResourceReference("urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"),
                new ResourceReference("#contained-practitioner"),
                new ResourceReference { Identifier = new Identifier("http://npi.example", "999") },
                new ResourceReference("https://example.org/some/thing"),
            ],
        };

        var references = Indexing.Indexer.Index(observation).References;

        Assert.Contains(new ReferenceIndexValue("subject", "Patient", "x9", "http://other.example/fhir/Patient/x9"), references);
        Assert.Contains(new ReferenceIndexValue("performer", null, null, "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"), references);
        Assert.Contains(new ReferenceIndexValue("performer", null, null, null, "http://npi.example", "999"), references);
        Assert.Contains(new ReferenceIndexValue("performer", null, null, "https://example.org/some/thing"), references);
        Assert.Equal(3, references.Count(r => r.Param == "performer"));
    }

    [Fact]
    public void Appointment_participant_actors_are_references()
    {
        var appointment = new Appointment
        {
            Status = Appointment.AppointmentStatus.Booked,
            Participant =
            [
                new Appointment.ParticipantComponent { Actor = new ResourceReference("Patient/p3"), Status = ParticipationStatus.Accepted },
                new Appointment.ParticipantComponent { Actor = new ResourceReference("Practitioner/dr1"), Status = ParticipationStatus.Accepted },
            ],
        };

        var index = Indexing.Indexer.Index(appointment);

        Assert.Contains(new ReferenceIndexValue("actor", "Patient", "p3", null), index.References);
        Assert.Contains(new ReferenceIndexValue("actor", "Practitioner", "dr1", null), index.References);
        Assert.Contains(new ReferenceIndexValue("patient", "Patient", "p3", null), index.References);
        Assert.Contains(new ReferenceIndexValue("practitioner", "Practitioner", "dr1", null), index.References);
        Assert.Equal([new CompartmentIndexValue("Patient", "p3")], index.Compartments);
    }

    [Fact]
    public void Canonical_values_are_urls_without_version()
    {
        var response = new QuestionnaireResponse
        {
            Status = QuestionnaireResponse.QuestionnaireResponseStatus.Completed,
            Questionnaire = "http://example.org/Questionnaire/q1|2.0",
        };

        var references = Indexing.Indexer.Index(response).References;

        Assert.Contains(new ReferenceIndexValue("questionnaire", null, null, "http://example.org/Questionnaire/q1"), references);
    }
}
