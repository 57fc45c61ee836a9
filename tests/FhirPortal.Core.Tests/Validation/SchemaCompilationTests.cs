using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Validation;

/// <summary>
/// When profile schemas are compiled: a validation compiles only the profile it needs (it never waits for the start-up
/// warm-up of the others), compiled schemas are reused by later validations, and a conformance change starts over.
/// </summary>
public sealed class SchemaCompilationTests
{
    private const string Base = ValidationSettings.PortalProfileBase;

    [Theory]
    [InlineData("portal-patient")]
    [InlineData("portal-observation-vitalsigns")]
    [InlineData("portal-claim")]
    public void A_validation_before_the_warm_up_compiles_only_the_profile_it_uses(string profile)
    {
        var validator = ValidatorFactory.Create(ValidationSettings.None);
        Assert.Empty(ValidatorFactory.Errors(validator.Validate(ValidatorFactory.Parse(PortalInstances.Valid[profile]), [], asWrite: false)));

        var compiled = validator.Engine().CompiledStoredProfiles.ToList();
        Assert.Contains(Base + profile, compiled);
        var others = validator.Resources.StoredProfiles().Select(p => p.Url!).Where(u => u != Base + profile && !IsBaseOf(validator, u, Base + profile));
        Assert.DoesNotContain(compiled, others.Contains);
    }

    [Fact]
    public void The_warm_up_compiles_every_stored_profile_and_validations_reuse_them()
    {
        var validator = ValidatorFactory.Create(ValidationSettings.None);
        validator.CompileStoredProfiles(CancellationToken.None);
        var engine = validator.Engine();
        Assert.Superset(validator.Resources.StoredProfiles().Select(p => p.Url!).ToHashSet(), engine.CompiledStoredProfiles.ToHashSet());

        validator.Validate(ValidatorFactory.Parse(PortalInstances.Valid["portal-patient"]), [], asWrite: false);
        Assert.Same(engine, validator.Engine());
    }

    [Fact]
    public void A_conformance_change_compiles_the_changed_profile_again_on_its_next_use()
    {
        var validator = ValidatorFactory.Create(ValidationSettings.None);
        var patient = ValidatorFactory.Parse(PortalInstances.Valid["portal-patient"]);
        Assert.Empty(ValidatorFactory.Errors(validator.Validate(patient, [], asWrite: false)));
        var before = validator.Engine();

        var profile = (StructureDefinition)validator.Resources.StructureDefinition(Base + "portal-patient")!.DeepCopy();
        profile.Snapshot = null;
        (profile.Differential ??= new StructureDefinition.DifferentialComponent()).Element.Add(new ElementDefinition("Patient.deceased[x]") { ElementId = "Patient.deceased[x]", Min = 1 });
        validator.Resources.Set(profile);

        var after = validator.Engine();
        Assert.NotSame(before, after);
        Assert.Empty(after.CompiledStoredProfiles);
        var errors = ValidatorFactory.Errors(validator.Validate(patient, [], asWrite: false));
        Assert.Contains(errors, e => e.Expression.Single()?.StartsWith("Patient.deceased", StringComparison.Ordinal) == true);
        Assert.Contains(Base + "portal-patient", after.CompiledStoredProfiles);
    }

    private static bool IsBaseOf(ResourceValidator validator, string candidate, string profile)
    {
        for (var current = validator.Resources.StructureDefinition(profile); current?.BaseDefinition is { } b; current = validator.Resources.StructureDefinition(b))
            if (b == candidate) return true;
        return false;
    }
}
