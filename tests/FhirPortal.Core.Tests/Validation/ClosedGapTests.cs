using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Validation;

/// <summary>
/// What the hand-written engine could not check and Firely's validator does: extensions against their definitions,
/// targetProfile of contained references, discriminators of type type/exists, data type invariants and bindings to
/// core ValueSets; and where it is stricter than R4, the server follows R4.
/// </summary>
public sealed class ClosedGapTests
{
    private const string Portal = PortalInstances.Base;

    public static TheoryData<string, string, string> Violations() => new()
    {
        // An extension is validated against its definition: birthPlace holds an Address, not a string.
        { "extension value of the wrong type", """{"resourceType":"Patient","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthPlace","valueString":"Paris"}]}""", "Patient.extension[0]" },
        // A contained target is resolved and checked against the targetProfile (portal-observation: subject is a
        // Patient); the validator reports it at the contained resource.
        { "contained reference to a type the profile does not allow", $$"""{"resourceType":"Observation","meta":{"profile":["{{Portal}}portal-observation"]},"contained":[{"resourceType":"Group","id":"g1","type":"person","actual":true}],"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"survey"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"72166-2"}]},"subject":{"reference":"#g1"},"effectiveDateTime":"2024-01-01","valueString":"x"}""", "Observation.contained[0]" },
        // Data type invariant qty-3: a unit code needs its system.
        { "data type invariant of Quantity", """{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1,"code":"mg"}}""", "Observation.value" },
        // Required binding of a CodeableConcept to a core ValueSet (expanded from the core package).
        { "code outside a required core ValueSet", """{"resourceType":"AllergyIntolerance","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"bogus"}]},"patient":{"reference":"Patient/p"}}""", "AllergyIntolerance.clinicalStatus" },
        // Required binding to an implicit core ValueSet (MIME types).
        { "attachment contentType that is no MIME type", """{"resourceType":"DocumentReference","status":"current","content":[{"attachment":{"contentType":"not a mime type"}}]}""", "DocumentReference.content[0].attachment.contentType" },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public void Violation_is_an_error_at_the_element(string rule, string json, string expression)
    {
        var outcome = ValidatorFactory.Profiles.Validate(ValidatorFactory.Parse(json), [], asWrite: false);
        Assert.True(ValidatorFactory.Errors(outcome).Any(i => i.Expression.Any(e => e!.StartsWith(expression, StringComparison.Ordinal))),
            $"{rule}: expected an error at {expression}; got: {string.Join(" | ", outcome.Issue.Select(i => $"{i.Severity} {i.Expression.FirstOrDefault()}: {i.Diagnostics}"))}");
    }

    public static TheoryData<string, string> ValidInstances() => new()
    {
        { "extension of the right type", """{"resourceType":"Patient","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthPlace","valueAddress":{"city":"Paris"}}]}""" },
        { "code inside a required core ValueSet", """{"resourceType":"AllergyIntolerance","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"active"}]},"patient":{"reference":"Patient/p"}}""" },
        // R4 allows relative canonicals (resolved against the server base); Firely's stricter rule is only a warning.
        { "relative canonical", """{"resourceType":"QuestionnaireResponse","questionnaire":"Questionnaire/intake","status":"completed"}""" },
    };

    [Theory]
    [MemberData(nameof(ValidInstances))]
    public void Valid_instance_has_no_errors(string rule, string json)
    {
        var outcome = ValidatorFactory.Profiles.Validate(ValidatorFactory.Parse(json), [], asWrite: false);
        Assert.True(ValidatorFactory.Errors(outcome).Count == 0, $"{rule}: {string.Join(" | ", outcome.Issue.Select(i => $"{i.Severity} {i.Expression.FirstOrDefault()}: {i.Diagnostics}"))}");
    }

    [Fact]
    public void A_value_the_validator_cannot_process_is_an_error_issue_not_an_exception()
    {
        var header = """{"resourceType":"MessageHeader","eventCoding":{"system":"http://example.org/events","code":"x"},"source":{"endpoint":"http://example.org"},"definition":"http:////acme.com/x"}""";
        var outcome = ValidatorFactory.Profiles.Validate(ValidatorFactory.Parse(header), [], asWrite: false);
        Assert.NotEmpty(ValidatorFactory.Errors(outcome));
    }

    // Discriminators the hand-written engine could not assign: by type ($this of value[x]) and by existence.
    private const string Sliced = """
        {"resourceType":"StructureDefinition","id":"sliced","url":"http://example.org/StructureDefinition/sliced","name":"Sliced","status":"active","kind":"resource","abstract":false,"type":"Observation",
         "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Observation","derivation":"constraint","differential":{"element":[
          {"id":"Observation.value[x]","path":"Observation.value[x]","slicing":{"discriminator":[{"type":"type","path":"$this"}],"rules":"open"}},
          {"id":"Observation.value[x]:valueQuantity","path":"Observation.value[x]","sliceName":"valueQuantity","min":1,"type":[{"code":"Quantity"}]},
          {"id":"Observation.component","path":"Observation.component","slicing":{"discriminator":[{"type":"exists","path":"value"}],"rules":"open"}},
          {"id":"Observation.component:measured","path":"Observation.component","sliceName":"measured","min":1},
          {"id":"Observation.component:measured.value[x]","path":"Observation.component.value[x]","min":1}]}}
        """;

    [Theory]
    [InlineData("""{"valueQuantity":{"value":1},"component":[{"code":{"text":"c"},"valueString":"v"}]}""", null)]
    [InlineData("""{"valueString":"x","component":[{"code":{"text":"c"},"valueString":"v"}]}""", "Observation.value")]
    [InlineData("""{"valueQuantity":{"value":1},"component":[{"code":{"text":"c"}}]}""", "Observation.component")]
    public void Type_and_exists_discriminators_assign_slices(string body, string? expected)
    {
        var resources = ValidatorFactory.Resources();
        resources.Set(ValidatorFactory.Parse(Sliced));
        var validator = new ResourceValidator(resources, ValidationSettings.None);
        var json = """{"resourceType":"Observation","meta":{"profile":["http://example.org/StructureDefinition/sliced"]},"status":"final","code":{"text":"x"},""" + body[1..];
        var errors = ValidatorFactory.Errors(validator.Validate(ValidatorFactory.Parse(json), [], asWrite: false));
        var described = string.Join(" | ", errors.Select(i => $"{i.Expression.FirstOrDefault()}: {i.Diagnostics}"));
        if (expected is null) Assert.True(errors.Count == 0, described);
        else Assert.True(errors.Any(i => i.Expression.Any(e => e!.StartsWith(expected, StringComparison.Ordinal))), $"expected an error at {expected}; got: {described}");
    }
}
