using System.Collections.Concurrent;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Validation;

/// <summary>
/// Turns StructureDefinitions into cached element trees. A profile is compiled from the differentials of its
/// derivation chain (most derived wins per element, constraints add up) down to the core type, so it works with or
/// without the core package; the base rules of the type come from the core snapshot or the SDK model.
/// Compiled profiles are cached per generation of the conformance resources.
/// </summary>
public sealed class ProfileCompiler(ConformanceResources resources)
{
    private const string CoreBase = "http://hl7.org/fhir/StructureDefinition/";
    private readonly ConcurrentDictionary<string, (long Generation, ElementTree? Tree)> _profiles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ElementTree?> _core = new(StringComparer.Ordinal);

    public ConformanceResources Resources => resources;

    public static bool IsCoreUrl(string url) => url.StartsWith(CoreBase, StringComparison.Ordinal) && !url[CoreBase.Length..].Contains('/');

    /// <summary>The compiled profile, or null when the server holds no StructureDefinition for the canonical.</summary>
    public ElementTree? Profile(string canonical)
    {
        // Entries carry the generation they were compiled at, so a change racing a compile never leaves a stale tree.
        var generation = resources.Generation;
        var url = canonical.Split('|')[0];
        if (_profiles.TryGetValue(url, out var cached) && cached.Generation == generation) return cached.Tree;
        var tree = Compile(url);
        _profiles[url] = (generation, tree);
        return tree;
    }

    /// <summary>The core snapshot of a resource or data type as a tree; null without core definitions.</summary>
    public ElementTree? Core(string type)
    {
        return _core.GetOrAdd(type, t => resources.CoreType(t) is { Snapshot: { } snapshot } sd
            ? new ElementTree(sd.Url ?? CoreBase + t, t, snapshot.Element)
            : null);
    }

    /// <summary>The resource type a StructureDefinition canonical constrains (for targetProfile checks).</summary>
    public string? TypeOf(string canonical) =>
        IsCoreUrl(canonical) ? canonical[CoreBase.Length..].Split('|')[0] : resources.StructureDefinition(canonical)?.Type;

    private ElementTree? Compile(string url)
    {
        var chain = new List<StructureDefinition>();
        for (var current = url; current is not null && !IsCoreUrl(current);)
        {
            if (resources.StructureDefinition(current) is not { } sd || chain.Contains(sd)) break;
            chain.Add(sd);
            current = sd.BaseDefinition;
        }
        if (chain.Count == 0) return IsCoreUrl(url) && resources.Find(url) is StructureDefinition core ? new ElementTree(url, core.Type ?? url[CoreBase.Length..], []) : null;
        chain.Reverse();
        var merged = new Dictionary<string, ElementDefinition>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var sd in chain)
        {
            IEnumerable<ElementDefinition> elements = sd.Differential?.Element ?? sd.Snapshot?.Element ?? [];
            foreach (var element in elements)
            {
                var id = element.ElementId ?? element.Path + (element.SliceName is { } s ? ":" + s : "");
                if (merged.TryGetValue(id, out var earlier)) Merge(earlier, element);
                else
                {
                    merged[id] = (ElementDefinition)element.DeepCopy();
                    merged[id].ElementId = id;
                    order.Add(id);
                }
            }
        }
        return new ElementTree(url, chain[^1].Type ?? "", order.Select(id => merged[id]));
    }

    // A derived profile only narrows: what it states replaces the inherited value; invariants accumulate.
    private static void Merge(ElementDefinition target, ElementDefinition derived)
    {
        if (derived.Min is not null) target.Min = derived.Min;
        if (derived.Max is not null) target.Max = derived.Max;
        if (derived.Type.Count > 0) target.Type = [.. derived.Type.Select(t => (ElementDefinition.TypeRefComponent)t.DeepCopy())];
        if (derived.Fixed is not null) target.Fixed = derived.Fixed;
        if (derived.Pattern is not null) target.Pattern = derived.Pattern;
        if (derived.Binding is not null) target.Binding = derived.Binding;
        if (derived.MaxLength is not null) target.MaxLength = derived.MaxLength;
        if (derived.Slicing is not null) target.Slicing = derived.Slicing;
        foreach (var constraint in derived.Constraint)
            if (target.Constraint.All(c => c.Key != constraint.Key)) target.Constraint.Add(constraint);
    }
}
