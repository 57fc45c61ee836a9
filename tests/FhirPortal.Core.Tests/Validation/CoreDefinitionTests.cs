namespace FhirPortal.Core.Tests.Validation;

/// <summary>The R4 core package is always there: invariants and required bindings of the base definitions apply.</summary>
public sealed class CoreDefinitionTests
{
    [Theory]
    [InlineData("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueString":"a","dataAbsentReason":{"text":"b"}}""", "Observation", "obs-6")]
    [InlineData("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"referenceRange":[{"text":"n"}],"effectivePeriod":{"start":"2024-02-01","end":"2024-01-01"}}""", "Observation.effective", "per-1")]
    [InlineData("""{"resourceType":"Patient","contact":[{"relationship":[{"text":"x"}]}]}""", "Patient.contact[0]", "pat-1")]
    [InlineData("""{"resourceType":"Appointment","status":"booked","participant":[{"status":"accepted","type":[{"text":"x"}]}]}""", "Appointment", "app-3")]
    public void Core_invariant_violation_is_an_error(string json, string expression, string key)
    {
        var outcome = ValidatorFactory.Profiles.Validate(ValidatorFactory.Parse(json), [], asWrite: false);
        Assert.Contains(ValidatorFactory.Errors(outcome), i => i.Expression.Contains(expression) && i.Diagnostics!.Contains(key));
    }
}
