using FhirPortal.Core;
using FhirPortal.Core.Serialization;
using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;
using static Hl7.Fhir.Model.OperationOutcome;

namespace FhirPortal.Server.Tests.Validation;

/// <summary>
/// A profile's snapshot carries its bases' constraints, so the validator walks only the most derived profiles: asking
/// for a claimed profile's bases as well must report exactly what validating the claims alone reports, over the
/// Synthea resources (claiming their portal profile) and the official examples (claiming core profiles).
/// </summary>
public sealed class ValidationTargetTests
{
    private static readonly FhirParser Parser = new(100);
    private static readonly Lazy<ResourceValidator> Validator = new(() =>
    {
        var resources = new ConformanceResources();
        foreach (var (_, resource) in ProfileFolder.ReadAsync(ValidationHosts.ProfilesDirectory, Parser, CancellationToken.None).GetAwaiter().GetResult())
            if (ConformanceResources.Types.Contains(resource.TypeName)) resources.Set(resource);
        return new ResourceValidator(resources, ValidationSettings.None);
    });

    [SkippableTheory]
    [InlineData("synthea")]
    [InlineData("examples")]
    public void Asking_for_the_bases_of_claimed_profiles_reports_what_the_claims_alone_report(string fixture)
    {
        var folder = SharedFixtures.Require(fixture);
        var validator = Validator.Value;
        var compared = 0;
        var differences = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            if (Parser.ParseJson(File.ReadAllBytes(file)) is not { } parsed) continue;
            foreach (var resource in parsed is Bundle bundle && fixture == "synthea" ? bundle.Entry.Select(e => e.Resource).OfType<Resource>() : [parsed])
            {
                var instance = fixture == "synthea" ? ClaimingPortalProfile(resource, validator.Resources) : resource;
                var bases = (instance?.Meta?.Profile.OfType<string>() ?? []).SelectMany(p => Ancestors(p, instance!.TypeName, validator.Resources)).Distinct().ToList();
                if (instance is null || bases.Count == 0) continue;
                var alone = Issues(validator.Validate(instance, [], asWrite: false));
                var withBases = Issues(validator.Validate(instance, bases, asWrite: false));
                if (!alone.SequenceEqual(withBases))
                    differences.Add($"{Path.GetFileName(file)} {instance.TypeName}/{instance.Id}: claims only [{string.Join("; ", alone)}] vs with bases [{string.Join("; ", withBases)}]");
                compared++;
            }
        }
        Assert.Empty(differences);
        // 9,959 Synthea resources have a portal profile; 13 official examples claim a core profile (vital signs, ...).
        Assert.True(compared >= (fixture == "synthea" ? 9_959 : 13), $"only {compared} resources claim a profile with bases");
    }

    /// <summary>A copy of a Synthea resource claiming its type's portal profile instead of US Core (null when its type has none).</summary>
    private static Resource? ClaimingPortalProfile(Resource resource, ConformanceResources resources)
    {
        var profile = $"http://fhirportal.org/fhir/StructureDefinition/portal-{resource.TypeName.ToLowerInvariant()}";
        if (resources.StructureDefinition(profile) is null) return null;
        var copy = (Resource)resource.DeepCopy();
        copy.Meta = new Meta { Profile = [profile] };
        return copy;
    }

    /// <summary>The baseDefinition chain of a profile down to the core definition of its type; empty for an unknown profile.</summary>
    private static IEnumerable<string> Ancestors(string profile, string type, ConformanceResources resources)
    {
        for (var current = resources.StructureDefinition(profile)?.BaseDefinition; current is not null; current = resources.StructureDefinition(current)?.BaseDefinition)
        {
            if (resources.StructureDefinition(current)?.Type != type) yield break;
            yield return current;
        }
    }

    private static List<string> Issues(OperationOutcome outcome) =>
        [.. outcome.Issue.Select(i => $"{i.Severity}|{i.Code}|{i.Expression.FirstOrDefault()}|{i.Diagnostics}").Order(StringComparer.Ordinal)];
}
