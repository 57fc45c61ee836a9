using Firely.Fhir.Validation;
using FhirPortal.Core;
using FhirPortal.Core.Serialization;
using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;
using Canonical = Firely.Fhir.Validation.Canonical;
using ValidationSettings = FhirPortal.Core.Validation.ValidationSettings;

namespace FhirPortal.Server.Tests.Validation;

/// <summary>
/// <see cref="InvariantShortcuts"/> answer the commonest R4 invariants without FHIRPath: the validator must report
/// exactly what it reports without them (severity, code, expression, text) over every Synthea resource of a type with
/// a portal profile, every official example and instances that break each shortcut invariant.
/// </summary>
public sealed class InvariantShortcutTests
{
    private static readonly FhirParser Parser = new(100);
    private static readonly Lazy<ConformanceResources> Resources = new(() =>
    {
        var resources = new ConformanceResources();
        foreach (var (_, resource) in ProfileFolder.ReadAsync(ValidationHosts.ProfilesDirectory, Parser, CancellationToken.None).GetAwaiter().GetResult())
            if (ConformanceResources.Types.Contains(resource.TypeName)) resources.Set(resource);
        return resources;
    });
    private static readonly Lazy<ResourceValidator> With = new(() => new ResourceValidator(Resources.Value, ValidationSettings.None));
    private static readonly Lazy<ResourceValidator> Without = new(() => new ResourceValidator(Resources.Value, ValidationSettings.None) { InvariantShortcuts = false });

    [SkippableTheory]
    [InlineData("synthea")]
    [InlineData("examples")]
    public void Shortcuts_report_what_Firely_reports_over_the_fixtures(string fixture)
    {
        var folder = SharedFixtures.Require(fixture);
        var compared = 0;
        var differences = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var parsed = Parser.ParseJson(File.ReadAllBytes(file));
            var instances = fixture == "synthea"
                ? ((Bundle)parsed).Entry.Select(e => e.Resource).OfType<Resource>().Select(ClaimingPortalProfile).OfType<Resource>()
                : [parsed];
            foreach (var instance in instances)
            {
                var fast = Issues(With.Value.Validate(instance, [], asWrite: false));
                var firely = Issues(Without.Value.Validate(instance, [], asWrite: false));
                if (!fast.SequenceEqual(firely))
                    differences.Add($"{Path.GetFileName(file)} {instance.TypeName}/{instance.Id}: with [{string.Join("; ", fast)}] vs without [{string.Join("; ", firely)}]");
                compared++;
            }
        }
        Assert.Empty(differences);
        Assert.True(compared >= (fixture == "synthea" ? 9_959 : 677), $"only {compared} resources compared");
    }

    /// <summary>Each breaks one shortcut invariant (or takes the case its shortcut leaves to FHIRPath).</summary>
    [Theory]
    [InlineData("ref-1", """{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"#missing"}}""")]
    [InlineData("per-1", """{"resourceType":"Observation","status":"final","code":{"text":"x"},"effectivePeriod":{"start":"2024-02-01","end":"2024-01-01"}}""")]
    [InlineData("qty-3", """{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1,"code":"mg"}}""")]
    [InlineData("obs-6", """{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueString":"a","dataAbsentReason":{"text":"gone"}}""")]
    [InlineData("obs-7", """{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"valueString":"a","component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"valueString":"b"}]}""")]
    [InlineData("obs-3", """{"resourceType":"Observation","status":"final","code":{"text":"x"},"referenceRange":[{"type":{"text":"normal"}}]}""")]
    [InlineData("rng-2", """{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueRange":{"low":{"value":5},"high":{"value":1}}}""")]
    [InlineData("pat-1", """{"resourceType":"Patient","contact":[{"gender":"male"}]}""")]
    [InlineData("cpt-2", """{"resourceType":"Patient","telecom":[{"value":"555"}]}""")]
    [InlineData("att-1", """{"resourceType":"Patient","photo":[{"data":"AAAA"}]}""")]
    [InlineData("dom-3", """{"resourceType":"Patient","contained":[{"resourceType":"Patient","id":"p"}]}""")]
    [InlineData("dom-4", """{"resourceType":"Patient","contained":[{"resourceType":"Patient","id":"p","meta":{"versionId":"1"}}],"link":[{"other":{"reference":"#p"},"type":"seealso"}]}""")]
    [InlineData("dom-5", """{"resourceType":"Patient","contained":[{"resourceType":"Patient","id":"p","meta":{"security":[{"code":"R"}]}}],"link":[{"other":{"reference":"#p"},"type":"seealso"}]}""")]
    [InlineData("tim-1", """{"resourceType":"MedicationRequest","status":"active","intent":"order","medicationCodeableConcept":{"text":"x"},"subject":{"reference":"Patient/p"},"dosageInstruction":[{"timing":{"repeat":{"duration":5,"periodMax":2,"countMax":3,"offset":10}}}]}""")]
    public void An_instance_breaking_a_shortcut_invariant_gets_Firelys_error(string key, string json)
    {
        var instance = Parser.ParseJson(System.Text.Encoding.UTF8.GetBytes(json));
        var fast = Issues(With.Value.Validate(instance, [], asWrite: false));
        Assert.Contains(fast, i => i.Contains($"constraint {key} ", StringComparison.Ordinal));
        Assert.Equal(Issues(Without.Value.Validate(instance, [], asWrite: false)), fast);
    }

    [Theory]
    [InlineData("Reference", "ref-1")]
    [InlineData("Period", "per-1")]
    [InlineData("Quantity", "qty-3")]
    [InlineData("Observation", "obs-6")]
    [InlineData("Patient", "dom-4")]
    public void The_schemas_the_validator_walks_carry_the_shortcuts(string type, string key)
    {
        var canonical = new Canonical("http://hl7.org/fhir/StructureDefinition/" + type);
        Assert.DoesNotContain(key, Invariants(With.Value.Engine().GetSchema(canonical)!));
        Assert.Contains(key, Invariants(Without.Value.Engine().GetSchema(canonical)!));
    }

#pragma warning disable ExperimentalApi // FhirPathValidator, to find the invariants a schema still runs through FHIRPath
    /// <summary>The keys of the invariants Firely's own FhirPathValidator runs (a shortcut is a subtype of it).</summary>
    private static List<string> Invariants(IAssertion assertion) => assertion switch
    {
        FhirPathValidator invariant when invariant.GetType() == typeof(FhirPathValidator) => [invariant.Key],
        IAssertionContainer container => [.. container.Children().SelectMany(c => Invariants(c.Item2))],
        _ => [],
    };
#pragma warning restore ExperimentalApi

    /// <summary>A copy of a Synthea resource claiming its type's portal profile instead of US Core (null when its type has none).</summary>
    private static Resource? ClaimingPortalProfile(Resource resource)
    {
        if (Resources.Value.StructureDefinition(ValidationSettings.PortalProfileBase + "portal-" + resource.TypeName.ToLowerInvariant()) is not { Url: { } profile }) return null;
        var copy = (Resource)resource.DeepCopy();
        copy.Meta = new Meta { Profile = [profile] };
        return copy;
    }

    private static List<string> Issues(OperationOutcome outcome) =>
        [.. outcome.Issue.Select(i => $"{i.Severity}|{i.Code}|{i.Expression.FirstOrDefault()}|{i.Diagnostics}").Order(StringComparer.Ordinal)];
}
