using System.Collections.Frozen;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace FhirPortal.Search;

/// <summary>All search parameters the server knows, by resource type and name (R4 definitions from the SDK).</summary>
public sealed class SearchParameterRegistry
{
    private readonly FrozenDictionary<string, FrozenDictionary<string, SearchParameterInfo>> _byType;

    private SearchParameterRegistry(IEnumerable<SearchParameterInfo> parameters)
    {
        _byType = parameters
            .GroupBy(p => p.ResourceType)
            .ToFrozenDictionary(
                g => g.Key,
                g => g.GroupBy(p => p.Name).Select(x => x.First()).ToFrozenDictionary(p => p.Name, StringComparer.Ordinal),
                StringComparer.Ordinal);
    }

    /// <summary>The registry of the 1,698 R4 definitions the SDK ships, each narrowed to its resource type.</summary>
    public static SearchParameterRegistry CreateDefault() => new(
        ModelInfo.SearchParameters
            .Where(d => d.Resource is not null && ModelInfo.IsKnownResource(d.Resource))
            .Select(d => new SearchParameterInfo(
                d.Resource!,
                d.Name!,
                d.Url!,
                d.Type,
                ExpressionNarrowing.ForType(d.Expression, d.Resource!),
                (d.Target ?? []).Select(t => t.GetLiteral()).ToArray())));

    public IEnumerable<SearchParameterInfo> ForType(string resourceType) =>
        _byType.TryGetValue(resourceType, out var byName) ? byName.Values : [];

    public bool TryGet(string resourceType, string name, out SearchParameterInfo parameter)
    {
        parameter = null!;
        return _byType.TryGetValue(resourceType, out var byName) && byName.TryGetValue(name, out parameter!);
    }
}
