using Hl7.Fhir.Model;

namespace FhirPortal.Search.Tests;

/// <summary><see cref="SearchIndexer.PatientCompartments"/> finds exactly the Patient compartments the full index finds.</summary>
public sealed class PatientCompartmentsTests
{
    public static TheoryData<string, Resource, string[]> Resources => new()
    {
        { "own compartment", new Patient { Id = "p1", Link = [new Patient.LinkComponent { Other = new ResourceReference("Patient/p2"), Type = Patient.LinkType.Seealso }] }, ["p1", "p2"] },
        { "subject", new Observation { Id = "o1", Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "8480-6"), Subject = new ResourceReference("Patient/p1") }, ["p1"] },
        { "subject and performer", new Observation { Id = "o2", Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "8480-6"),
            Subject = new ResourceReference("Patient/p1"), Performer = [new ResourceReference("Patient/p3"), new ResourceReference("Practitioner/d1")] }, ["p1", "p3"] },
        { "absolute reference", new Encounter { Id = "e1", Status = Encounter.EncounterStatus.Finished, Subject = new ResourceReference("http://example.org/fhir/Patient/p4") }, ["p4"] },
        { "group subject is no patient", new Observation { Id = "o3", Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "8480-6"), Subject = new ResourceReference("Group/g1") }, [] },
        { "several parameters", new AllergyIntolerance { Id = "a1", Patient = new ResourceReference("Patient/p1"), Asserter = new ResourceReference("Patient/p5"), Recorder = new ResourceReference("Practitioner/d1") }, ["p1", "p5"] },
        { "type outside the compartment", new Practitioner { Id = "d1" }, [] },
    };

    [Theory]
    [MemberData(nameof(Resources))]
    public void Finds_the_same_patients_as_the_full_index(string _, Resource resource, string[] patients)
    {
        var full = Indexing.Indexer.Index(resource).Compartments;

        var found = Indexing.Indexer.PatientCompartments(resource);

        Assert.Equal(patients.Order(StringComparer.Ordinal), found.Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.Equal(full.OrderBy(c => c.Id, StringComparer.Ordinal), found.OrderBy(c => c.Id, StringComparer.Ordinal));
    }
}
