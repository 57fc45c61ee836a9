using FhirPortal.Core.Validation;

namespace FhirPortal.Core.Tests.Validation;

/// <summary>
/// A slice discriminated by <c>type: profile</c>: Bundle.entry sliced by the profile its resource conforms to. An entry
/// whose resource meets the slice's profile fills the slice; one that violates it fills none (closed slicing), and the
/// required slice stays empty: both errors name the entry.
/// </summary>
public sealed class ProfileDiscriminatorTests
{
    private const string PatientWithBirthDate = """
        {"resourceType":"StructureDefinition","id":"born-patient","url":"http://example.org/StructureDefinition/born-patient","name":"BornPatient",
         "status":"active","kind":"resource","abstract":false,"type":"Patient","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient",
         "derivation":"constraint","differential":{"element":[{"id":"Patient.birthDate","path":"Patient.birthDate","min":1}]}}
        """;

    private const string SlicedBundle = """
        {"resourceType":"StructureDefinition","id":"patient-bundle","url":"http://example.org/StructureDefinition/patient-bundle","name":"PatientBundle",
         "status":"active","kind":"resource","abstract":false,"type":"Bundle","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Bundle",
         "derivation":"constraint","differential":{"element":[
          {"id":"Bundle.entry","path":"Bundle.entry","slicing":{"discriminator":[{"type":"profile","path":"resource"}],"rules":"closed"}},
          {"id":"Bundle.entry:patient","path":"Bundle.entry","sliceName":"patient","min":1,"max":"1"},
          {"id":"Bundle.entry:patient.resource","path":"Bundle.entry.resource","type":[{"code":"Patient","profile":["http://example.org/StructureDefinition/born-patient"]}]}]}}
        """;

    private static List<Hl7.Fhir.Model.OperationOutcome.IssueComponent> Errors(string patient)
    {
        var resources = ValidatorFactory.Resources();
        resources.Set(ValidatorFactory.Parse(PatientWithBirthDate));
        resources.Set(ValidatorFactory.Parse(SlicedBundle));
        var validator = new ResourceValidator(resources, ValidationSettings.None);
        var bundle = $$"""
            {"resourceType":"Bundle","meta":{"profile":["http://example.org/StructureDefinition/patient-bundle"]},"type":"collection",
             "entry":[{"fullUrl":"urn:uuid:0b1f4a4e-8c1b-4f38-9a8e-3c1f0c2d1e01","resource":{{patient}}}]}
            """;
        return ValidatorFactory.Errors(validator.Validate(ValidatorFactory.Parse(bundle), [], asWrite: false));
    }

    private static string Describe(IEnumerable<Hl7.Fhir.Model.OperationOutcome.IssueComponent> issues) =>
        string.Join(" | ", issues.Select(i => $"{i.Expression.FirstOrDefault()}: {i.Diagnostics}"));

    [Fact]
    public void An_entry_that_meets_the_slice_profile_passes()
    {
        var errors = Errors("""{"resourceType":"Patient","birthDate":"1980-01-01"}""");
        Assert.True(errors.Count == 0, Describe(errors));
    }

    [Fact]
    public void An_entry_that_violates_the_slice_profile_is_an_error_at_the_entry()
    {
        var errors = Errors("""{"resourceType":"Patient","gender":"female"}""");
        // The entry fills no slice of the closed slicing, and the required slice 'patient' stays empty.
        Assert.True(errors.Any(i => i.Expression.Contains("Bundle.entry[0]") && i.Diagnostics!.Contains("does not match any slice")), Describe(errors));
        Assert.True(errors.Any(i => i.Expression.Contains("Bundle.entry") && i.Diagnostics!.Contains("entry:patient")), Describe(errors));
    }
}
