using System.Collections;
using Hl7.Fhir.Model;
using Hl7.FhirPath;
using static Hl7.Fhir.Model.OperationOutcome;

namespace FhirPortal.Core.Validation;

/// <summary>
/// Walks one instance against an element tree. In core mode the tree is a base snapshot: invariants and required
/// bindings are checked, and data types are entered through their own core definitions (structure and cardinality
/// come from the SDK model). In profile mode the tree is a compiled profile: cardinality, types, targetProfile,
/// fixed/pattern values, bindings, maxLength, invariants and slicing of the constrained elements.
/// </summary>
internal sealed class InstanceWalker(ProfileCompiler compiler, ValueSetCodes valueSets, Issues issues, EvaluationContext context, bool coreMode)
{
    public void Check(Base value, PocoNode node, ElementNode rule, ElementTree tree, string path)
    {
        var definition = rule.Definition;
        if (!coreMode) ElementRules.CheckTypes(definition, value, path, compiler, issues);
        if (definition.Fixed is { } fixedValue && !value.IsExactly(fixedValue))
            issues.Error(IssueType.Value, path, $"{path} must be exactly {Describe(fixedValue)}.");
        if (definition.Pattern is { } pattern && !value.Matches(pattern))
            issues.Error(IssueType.Value, path, $"{path} must match the pattern {Describe(pattern)}.");
        if (definition.MaxLength is { } maxLength && value is PrimitiveType { JsonValue: string text } && text.Length > maxLength)
            issues.Error(IssueType.TooLong, path, $"{path} is {text.Length} characters long; at most {maxLength} are allowed.");
        if (definition.Binding is { } binding) ElementRules.CheckBinding(binding, value, path, valueSets, issues, coreMode);
        if (definition.Constraint.Count > 0) Constraints.Check(definition, node, context, path, issues);
        Children(value, node, rule, tree, path);
    }

    private void Children(Base value, PocoNode node, ElementNode rule, ElementTree tree, string path)
    {
        var owner = rule;
        if (rule.Children.Count == 0 && rule.Definition.ContentReference is { } reference && tree.ByPath(reference.TrimStart('#')) is { } target)
            owner = target;
        var children = owner.Children;
        if (children.Count == 0)
        {
            // A data type (or contained resource) element: in core mode its own definition takes over.
            if (coreMode && value is not PrimitiveType && rule != tree.Root && compiler.Core(TypeName(value)) is { } typeTree)
                Check(value, node, typeTree.Root, typeTree, path);
            return;
        }
        if (coreMode)
        {
            // Core snapshots define every element; cardinality is the SDK's, so only present elements are visited.
            foreach (var (name, element) in value.EnumerateElements())
            {
                if (owner.Child(name) is not { } child) continue;
                var childPath = $"{path}.{name}";
                if (element is IList list)
                {
                    for (var i = 0; i < list.Count; i++)
                        if (list[i] is Base item) Check(item, new PocoNode(item, node, i, name), child, tree, $"{childPath}[{i}]");
                }
                else if (element is Base single) Check(single, new PocoNode(single, node, null, name), child, tree, childPath);
            }
            return;
        }
        var elements = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, element) in value.EnumerateElements()) elements[name] = element;
        foreach (var child in children)
        {
            var items = Items(elements, child);
            var childPath = $"{path}.{child.BaseName}";
            if (!coreMode) Cardinality(child.Definition, items.Count, childPath, child.Name);
            foreach (var (item, name, index) in items)
            {
                // A rule on one type of a choice (valueQuantity) reports the FHIRPath form: value.ofType(Quantity).
                var itemPath = name == child.BaseName ? childPath : $"{path}.{name}.ofType({TypeName(item)})";
                Check(item, new PocoNode(item, node, index, name), child, tree, index is { } i ? $"{itemPath}[{i}]" : itemPath);
            }
            if (child.Slices.Count > 0) Slices(child, items, node, tree, childPath);
        }
    }

    private void Slices(ElementNode sliced, List<(Base Item, string Name, int? Index)> items, PocoNode parent, ElementTree tree, string path)
    {
        var slicing = sliced.Definition.Slicing;
        var counts = new int[sliced.Slices.Count];
        foreach (var (item, name, index) in items)
        {
            var matched = false;
            for (var s = 0; s < sliced.Slices.Count; s++)
            {
                var slice = sliced.Slices[s];
                if (!Slicing.Matches(slicing, slice, item)) continue;
                counts[s]++;
                matched = true;
                var itemPath = index is { } i ? $"{path}[{i}]" : path;
                Check(item, new PocoNode(item, parent, index, name), slice, tree, itemPath);
                break;
            }
            if (!matched && slicing?.Rules == ElementDefinition.SlicingRules.Closed)
                issues.Error(IssueType.Structure, index is { } j ? $"{path}[{j}]" : path, $"{path} is closed to other entries than its slices ({string.Join(", ", sliced.Slices.Select(x => x.Definition.SliceName))}).");
        }
        for (var s = 0; s < sliced.Slices.Count; s++)
            Cardinality(sliced.Slices[s].Definition, counts[s], path, $"{sliced.BaseName}:{sliced.Slices[s].Definition.SliceName}");
    }

    private void Cardinality(ElementDefinition definition, int count, string path, string label)
    {
        if (definition.Min is { } min && count < min)
            issues.Error(IssueType.Required, path, count == 0
                ? $"{path} is required ({label} min {min}) but missing."
                : $"{path} has {count} entries; {label} needs at least {min}.");
        if (definition.Max is { } max && max != "*" && int.TryParse(max, out var limit) && count > limit)
            issues.Error(IssueType.Structure, path, $"{path} has {count} entries; {label} allows at most {limit}.");
    }

    /// <summary>The instance values an element definition addresses: by name, choice base name, or typed choice name.</summary>
    private static List<(Base Item, string Name, int? Index)> Items(Dictionary<string, object> elements, ElementNode rule)
    {
        var result = new List<(Base, string, int?)>();
        foreach (var (name, element) in elements)
        {
            if (name == rule.Name || rule.IsChoice && name == rule.BaseName) Add(result, name, element);
            else if (!rule.IsChoice && rule.Name.StartsWith(name, StringComparison.Ordinal) && element is Base single
                     && rule.Name.Length > name.Length && string.Equals(rule.Name[name.Length..], TypeName(single), StringComparison.OrdinalIgnoreCase))
                Add(result, name, element);
        }
        return result;
    }

    private static void Add(List<(Base, string, int?)> result, string name, object element)
    {
        if (element is IList list)
        {
            for (var i = 0; i < list.Count; i++)
                if (list[i] is Base item) result.Add((item, name, i));
        }
        else if (element is Base single) result.Add((single, name, null));
    }

    public static string TypeName(Base value) =>
        value is Resource resource ? resource.TypeName : Hl7.Fhir.Model.ModelInfo.ModelInspector.FindClassMapping(value.GetType())?.Name ?? value.TypeName;

    private static string Describe(DataType value) => value switch
    {
        PrimitiveType primitive => $"'{primitive.JsonValue}'",
        Coding coding => $"{coding.System}|{coding.Code}",
        CodeableConcept concept => string.Join(", ", concept.Coding.Select(c => $"{c.System}|{c.Code}")),
        _ => value.TypeName,
    };
}
