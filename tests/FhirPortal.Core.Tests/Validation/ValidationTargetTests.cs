using static FhirPortal.Core.Tests.Validation.PortalInstances;

namespace FhirPortal.Core.Tests.Validation;

/// <summary>
/// Which profiles a validation walks: a profile asked for that is a base of a claimed (or another asked-for) profile
/// adds nothing, since the derived snapshot carries its rules; any other profile asked for is still checked.
/// </summary>
public sealed class ValidationTargetTests
{
    private const string BrokenVitalSigns = """{"resourceType":"Observation","meta":{"profile":["http://fhirportal.org/fhir/StructureDefinition/portal-observation-vitalsigns"]},"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"effectiveDateTime":"2024-01-01","valueString":"72"}""";

    [Theory]
    [InlineData(Base + "portal-observation")]
    [InlineData("http://hl7.org/fhir/StructureDefinition/Observation")]
    [InlineData(Base + "portal-observation", "http://hl7.org/fhir/StructureDefinition/Observation")]
    [InlineData(Base + "portal-observation-vitalsigns", Base + "portal-observation")]
    public void Asking_for_bases_of_a_claimed_profile_reports_what_the_claim_alone_reports(params string[] asked)
    {
        var resource = ValidatorFactory.Parse(BrokenVitalSigns);
        var alone = Issues(ValidatorFactory.Profiles.Validate(resource, [], asWrite: false));
        Assert.Contains(alone, i => i.StartsWith("Error|Observation.subject|", StringComparison.Ordinal));
        Assert.Contains(alone, i => i.StartsWith("Error|Observation.value|", StringComparison.Ordinal));
        Assert.Equal(alone, Issues(ValidatorFactory.Profiles.Validate(resource, asked, asWrite: false)));
    }

    [Fact]
    public void A_profile_asked_for_that_is_no_base_of_the_claims_is_still_checked()
    {
        var resource = ValidatorFactory.Parse(Valid["portal-observation-vitalsigns"]);
        Assert.Empty(ValidatorFactory.Errors(ValidatorFactory.Profiles.Validate(resource, [Base + "portal-observation"], asWrite: false)));
        var errors = ValidatorFactory.Errors(ValidatorFactory.Profiles.Validate(resource, [Base + "portal-observation", Base + "portal-observation-laboratory"], asWrite: false));
        Assert.Contains(errors, e => e.Expression.FirstOrDefault() == "Observation.category");
    }

    private static List<string> Issues(Hl7.Fhir.Model.OperationOutcome outcome) =>
        [.. outcome.Issue.Select(i => $"{i.Severity}|{i.Expression.FirstOrDefault()}|{i.Code}|{i.Diagnostics}").Order(StringComparer.Ordinal)];
}
