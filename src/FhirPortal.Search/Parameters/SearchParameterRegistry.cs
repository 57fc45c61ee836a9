using System.Collections.Frozen;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace FhirPortal.Search;

/// <summary>
/// All search parameters the server knows, by resource type and name: the R4 definitions from the SDK plus custom
/// SearchParameter resources. Lookups read an immutable snapshot; adding or removing a custom parameter swaps it.
/// </summary>
public sealed class SearchParameterRegistry
{
    /// <summary>
    /// R4's parameters for all resources (search.html#all) that the SDK's list leaves out. <c>_id</c>, <c>_text</c>,
    /// <c>_content</c>, <c>_list</c>, <c>_has</c> are not here: the parser and stores handle them directly.
    /// </summary>
    private static readonly (string Name, SearchParamType Type, string Expression)[] ResourceParameters =
    [
        ("_lastUpdated", SearchParamType.Date, "meta.lastUpdated"),
        ("_tag", SearchParamType.Token, "meta.tag"),
        ("_security", SearchParamType.Token, "meta.security"),
        ("_profile", SearchParamType.Uri, "meta.profile"),
        ("_source", SearchParamType.Uri, "meta.source"),
    ];

    private readonly IReadOnlyList<SearchParameterInfo> _defaults;
    private readonly FrozenSet<SearchParameterInfo> _builtIn;
    private readonly Dictionary<string, IReadOnlyList<SearchParameterInfo>> _custom = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private volatile FrozenDictionary<string, FrozenDictionary<string, SearchParameterInfo>> _byType;
    private long _generation;

    private SearchParameterRegistry(IEnumerable<SearchParameterInfo> parameters)
    {
        _defaults = parameters.ToList();
        _builtIn = _defaults.ToFrozenSet<SearchParameterInfo>(ReferenceEqualityComparer.Instance);
        _byType = Build(_defaults);
    }

    /// <summary>
    /// Adds or replaces the parameters defined by one custom SearchParameter (keyed by its resource id, or its
    /// file for profiles); a custom parameter with a built-in's name takes its place for its base types.
    /// </summary>
    public void SetCustom(string key, IReadOnlyList<SearchParameterInfo> parameters)
    {
        lock (_lock)
        {
            _custom[key] = parameters;
            Rebuild();
        }
    }

    public void RemoveCustom(string key)
    {
        lock (_lock)
        {
            if (_custom.Remove(key)) Rebuild();
        }
    }

    /// <summary>Bumped by every change to the custom parameters, so work done against an older set can be told apart.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Whether <paramref name="parameter"/> is one of the server's own definitions (not a custom one, which may reuse a built-in's name).</summary>
    public bool IsBuiltIn(SearchParameterInfo parameter) => _builtIn.Contains(parameter);

    /// <summary>Looks up a definition by canonical URL (composite components refer to their parts that way).</summary>
    public SearchParameterInfo? FindByUrl(string url) =>
        _byType.Values.SelectMany(byName => byName.Values).FirstOrDefault(p => p.Url == url);

    private void Rebuild()
    {
        _byType = Build(_custom.Values.SelectMany(c => c).Concat(_defaults));
        // After the swap: a reader that saw the new generation also sees the new parameters.
        Interlocked.Increment(ref _generation);
    }

    // First wins: custom parameters are listed before the defaults they override.
    private static FrozenDictionary<string, FrozenDictionary<string, SearchParameterInfo>> Build(IEnumerable<SearchParameterInfo> parameters) =>
        parameters
            .GroupBy(p => p.ResourceType)
            .ToFrozenDictionary(
                g => g.Key,
                g => g.GroupBy(p => p.Name).Select(x => x.First()).ToFrozenDictionary(p => p.Name, StringComparer.Ordinal),
                StringComparer.Ordinal);

    /// <summary>The registry of the 1,698 R4 definitions the SDK ships, each narrowed to its resource type.</summary>
    public static SearchParameterRegistry CreateDefault() => new(DefaultParameters());

    private static IEnumerable<SearchParameterInfo> DefaultParameters()
    {
        var definitions = ModelInfo.SearchParameters.Where(d => d.Resource is not null && ModelInfo.IsKnownResource(d.Resource)).ToList();
        var byUrl = definitions.Where(d => d.Url is not null).GroupBy(d => d.Url!).ToDictionary(g => g.Key, g => g.First());
        foreach (var d in definitions)
        {
            yield return new SearchParameterInfo(
                d.Resource!, d.Name!, d.Url!, d.Type,
                ExpressionNarrowing.ForType(d.Expression, d.Resource!),
                (d.Target ?? []).Select(t => t.GetLiteral()).ToArray())
            {
                Components = ComponentsOf(d, byUrl),
            };
        }
        foreach (var type in ModelInfo.SupportedResources)
            foreach (var (name, paramType, expression) in ResourceParameters)
                yield return new SearchParameterInfo(type, name, $"http://hl7.org/fhir/SearchParameter/Resource-{name.TrimStart('_')}",
                    paramType, $"{type}.{expression}", []);
    }

    private static IReadOnlyList<CompositeComponent> ComponentsOf(SearchParamDefinition d, Dictionary<string, SearchParamDefinition> byUrl)
    {
        if (d.Type != SearchParamType.Composite || d.Component is not { Length: > 0 } components) return [];
        var result = new List<CompositeComponent>(components.Length);
        foreach (var component in components)
        {
            if (component.Definition is null || component.Expression is null || !byUrl.TryGetValue(component.Definition, out var part))
                return [];
            result.Add(new CompositeComponent(part.Type, component.Expression));
        }
        return result;
    }

    public IEnumerable<SearchParameterInfo> ForType(string resourceType) =>
        _byType.TryGetValue(resourceType, out var byName) ? byName.Values : [];

    public bool TryGet(string resourceType, string name, out SearchParameterInfo parameter)
    {
        parameter = null!;
        return _byType.TryGetValue(resourceType, out var byName) && byName.TryGetValue(name, out parameter!);
    }
}
