using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Snapshot;

namespace FhirPortal.Core.Tests.Validation;

/// <summary>
/// The profiles/ differentials are well-formed: the SDK's SnapshotGenerator expands each against the core
/// definitions (and its portal base profile) without an error, and ProfileCheck (run on every profile write) finds
/// every differential element in R4.
/// </summary>
public sealed class ProfileSnapshotTests
{
    public static TheoryData<string> ProfileFiles() =>
        [.. Directory.EnumerateFiles(ValidatorFactory.ProfilesDirectory, "StructureDefinition-*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(ProfileFiles))]
    public async Task Profile_differential_expands_to_a_snapshot_without_errors(string file)
    {
        var resources = ValidatorFactory.Resources();
        var profile = (StructureDefinition)ValidatorFactory.Parse(await File.ReadAllTextAsync(Path.Combine(ValidatorFactory.ProfilesDirectory, file)));

        var generator = new SnapshotGenerator(resources, new SnapshotGeneratorSettings { GenerateElementIds = true });
        await generator.UpdateAsync(profile);

        var problems = generator.Outcome?.Issue.Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
            .Select(i => $"{i.Details?.Text ?? i.Diagnostics} at {string.Join(",", i.Location)}") ?? [];
        Assert.Empty(problems);
        Assert.True(profile.Snapshot!.Element.Count > profile.Differential!.Element.Count);
        new ProfileCheck(resources).EnsureUsable(profile);
    }

    [Theory]
    [InlineData("Device.colour")]
    [InlineData("Device.type.coding.colour")]
    public void Profile_naming_an_element_R4_lacks_is_refused(string path)
    {
        var profile = new StructureDefinition
        {
            Url = "http://example.org/StructureDefinition/p", Type = "Device", Kind = StructureDefinition.StructureDefinitionKind.Resource,
            BaseDefinition = "http://hl7.org/fhir/StructureDefinition/Device", Derivation = StructureDefinition.TypeDerivationRule.Constraint,
            Differential = new() { Element = [new ElementDefinition { ElementId = path, Path = path, Min = 1 }] },
        };
        var error = Assert.Throws<FhirOutcomeException>(() => new ProfileCheck(new ConformanceResources()).EnsureUsable(profile));
        Assert.Equal(422, error.Status);
        Assert.Contains(path, error.Outcome.Issue[0].Diagnostics);
    }
}
