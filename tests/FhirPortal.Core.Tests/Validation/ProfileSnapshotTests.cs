using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Snapshot;

namespace FhirPortal.Core.Tests.Validation;

/// <summary>
/// The profiles/ differentials are well-formed: the SDK's SnapshotGenerator expands each against the core
/// definitions (and its portal base profile) without an error, so every element path, type and slice exists in R4.
/// </summary>
public sealed class ProfileSnapshotTests
{
    public static TheoryData<string> ProfileFiles() =>
        [.. Directory.EnumerateFiles(ValidatorFactory.ProfilesDirectory, "StructureDefinition-*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    [Theory]
    [MemberData(nameof(ProfileFiles))]
    public async Task Profile_differential_expands_to_a_snapshot_without_errors(string file)
    {
        if (!Directory.Exists(ValidatorFactory.CoreDirectory)) return;
        var resources = new ConformanceResources(ValidatorFactory.CoreDirectory);
        foreach (var (_, resource) in await ProfileFolder.ReadAsync(ValidatorFactory.ProfilesDirectory, ValidatorFactory.Parser, CancellationToken.None))
            if (ConformanceResources.Types.Contains(resource.TypeName)) resources.Set(resource);
        var profile = (StructureDefinition)ValidatorFactory.Parse(await File.ReadAllTextAsync(Path.Combine(ValidatorFactory.ProfilesDirectory, file)));

        var generator = new SnapshotGenerator(resources, new SnapshotGeneratorSettings { GenerateElementIds = true });
        await generator.UpdateAsync(profile);

        var problems = generator.Outcome?.Issue.Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
            .Select(i => $"{i.Details?.Text ?? i.Diagnostics} at {string.Join(",", i.Location)}") ?? [];
        Assert.Empty(problems);
        Assert.True(profile.Snapshot.Element.Count > profile.Differential.Element.Count);
    }
}
