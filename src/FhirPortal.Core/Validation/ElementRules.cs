using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using static Hl7.Fhir.Model.OperationOutcome;

namespace FhirPortal.Core.Validation;

/// <summary>Per-element checks of a definition: allowed types with reference targets, and ValueSet bindings.</summary>
internal static partial class ElementRules
{
    private static readonly HashSet<string> AbstractTypes = ["Element", "BackboneElement", "Resource", "DomainResource", "Base"];

    public static void CheckTypes(ElementDefinition definition, Base value, string path, ProfileCompiler compiler, Issues issues)
    {
        if (definition.Type.Count == 0) return;
        var codes = definition.Type.Select(t => t.Code).OfType<string>().ToList();
        if (codes.Any(AbstractTypes.Contains)) return;
        var type = InstanceWalker.TypeName(value);
        if (type.Contains('#') || type.Contains('.')) return;
        if (!codes.Contains(type))
        {
            issues.Error(IssueType.Structure, path, $"{path} is a {type}; allowed here: {string.Join(", ", codes)}.");
            return;
        }
        if (value is ResourceReference reference) CheckTarget(definition, reference, path, compiler, issues);
    }

    private static void CheckTarget(ElementDefinition definition, ResourceReference reference, string path, ProfileCompiler compiler, Issues issues)
    {
        var targets = definition.Type.Where(t => t.Code == "Reference").SelectMany(t => t.TargetProfile).OfType<string>()
            .Select(p => compiler.TypeOf(p) ?? "?").ToList();
        if (targets.Count == 0 || targets.Contains("Resource") || targets.Contains("?")) return;
        var referenced = reference.Type ?? ReferencedType(reference.Reference);
        // Contained (#id), urn:uuid and logical (identifier-only) references name no type to check here.
        if (referenced is null || targets.Contains(referenced)) return;
        issues.Error(IssueType.Structure, path, $"{path} refers to a {referenced}; allowed targets: {string.Join(", ", targets)}.");
    }

    [GeneratedRegex(@"(?:^|/)([A-Z][A-Za-z]+)(?:/[A-Za-z0-9\-\.]{1,64}(?:/_history/[A-Za-z0-9\-\.]{1,64})?|\?.*)$")]
    private static partial Regex LiteralReference();

    public static string? ReferencedType(string? reference)
    {
        if (string.IsNullOrEmpty(reference) || reference.StartsWith('#') || reference.StartsWith("urn:", StringComparison.Ordinal)) return null;
        var match = LiteralReference().Match(reference);
        return match.Success && ModelInfo.IsKnownResource(match.Groups[1].Value) ? match.Groups[1].Value : null;
    }

    public static void CheckBinding(ElementDefinition.ElementDefinitionBindingComponent binding, Base value, string path,
        ValueSetCodes valueSets, Issues issues, bool coreMode)
    {
        var strength = binding.Strength;
        if (binding.ValueSet is not { } valueSet || strength is not (BindingStrength.Required or BindingStrength.Extensible)) return;
        if (coreMode && strength != BindingStrength.Required) return;
        List<(string? System, string? Code)> codes = value switch
        {
            Coding coding => [(coding.System, coding.Code)],
            CodeableConcept concept => [.. concept.Coding.Select(c => (c.System, c.Code))],
            // The parser already holds enum-typed codes to their R4 ValueSet; profiles may narrow them further.
            Code when coreMode && value.GetType().IsGenericType => [],
            Code or PrimitiveType { TypeName: "code" } => [(null, ((PrimitiveType)value).JsonValue?.ToString())],
            _ => [],
        };
        codes.RemoveAll(c => string.IsNullOrEmpty(c.Code));
        if (codes.Count == 0 || valueSets.Expand(valueSet) is not { } expansion) return;
        if (codes.Any(c => expansion.Contains(c.System, c.Code!))) return;
        var given = string.Join(", ", codes.Select(c => c.System is null ? c.Code : $"{c.System}|{c.Code}"));
        var message = $"{path}: {given} is not in the ValueSet {valueSet} ({strength.ToString()!.ToLowerInvariant()} binding).";
        if (strength == BindingStrength.Required) issues.Error(IssueType.CodeInvalid, path, message);
        else issues.Warning(IssueType.CodeInvalid, path, message);
    }
}
