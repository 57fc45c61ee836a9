using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>A search parameter as the parser needs it: its type, reference targets and composite component types.</summary>
internal sealed record ResolvedParameter(
    string Name, SearchParamType Type, IReadOnlyList<string> Targets, IReadOnlyList<SearchParamType> Components);

/// <summary>
/// The resource types a (part of a) search applies to: one type for a type-level search or a chain target, the
/// <c>_type</c> list for a system search, or none (a system search without <c>_type</c>: every resource type).
/// A parameter resolves when every type in scope defines it with the same parameter type.
/// </summary>
internal sealed class ParameterScope(SearchParameterRegistry registry, IReadOnlyList<string> types)
{
    /// <summary>Parameters every resource has that the parser handles itself rather than by type.</summary>
    public static readonly IReadOnlySet<string> SpecialBase =
        new HashSet<string>(StringComparer.Ordinal) { "_id", "_text", "_content", "_list", "_has", "_filter", "_query" };

    private static readonly Lazy<IReadOnlyList<string>> AllTypes =
        new(() => ModelInfo.SupportedResources.Where(IsResourceType).ToList());

    public IReadOnlyList<string> Types { get; } = types;

    public string? SingleType => Types.Count == 1 ? Types[0] : null;

    public ParameterScope ForType(string type) => new(registry, [type]);

    public static bool IsResourceType(string? name) =>
        name is not null and not "Resource" and not "DomainResource" && ModelInfo.IsKnownResource(name);

    /// <summary>Whether <paramref name="name"/> names a parameter in scope, special base parameters included.</summary>
    public bool Knows(string name) => SpecialBase.Contains(name) || TryResolve(name, out _);

    public bool TryResolve(string name, out ResolvedParameter parameter)
    {
        parameter = null!;
        ResolvedParameter? merged = null;
        foreach (var type in Types.Count == 0 ? AllTypes.Value : Types)
        {
            if (!registry.TryGet(type, name, out var info)) return false;
            var one = new ResolvedParameter(info.Name, info.Type, info.Targets, info.Components.Select(c => c.Type).ToList());
            if (merged is null) merged = one;
            else if (merged.Type != one.Type) return false;
            else if (!one.Targets.All(merged.Targets.Contains))
                merged = merged with { Targets = merged.Targets.Union(one.Targets).ToList() };
        }
        if (merged is null) return false;
        parameter = merged;
        return true;
    }
}
