using Hl7.Fhir.Model;
using static FhirPortal.Search.SearchValueParsers;

namespace FhirPortal.Search;

/// <summary>
/// <c>code-value-quantity=http://loinc.org|8480-6$gt140</c>: each alternative splits on '$' into one value per
/// component, parsed by the component's own type and named "<c>param#index</c>".
/// </summary>
internal static class CompositeConditionParser
{
    public static CompositeCondition? Parse(ResolvedParameter parameter, List<string> alternatives, string raw)
    {
        if (parameter.Components.Count == 0) return null;
        var anyOf = new List<IReadOnlyList<SearchCondition>>();
        foreach (var alternative in alternatives)
        {
            var parts = SearchValueSyntax.SplitComposite(alternative);
            if (parts.Count != parameter.Components.Count)
                throw new SearchParameterException(
                    $"'{alternative}' needs {parameter.Components.Count} values separated by '$', one per component.", raw);
            var components = new List<SearchCondition>(parts.Count);
            for (var i = 0; i < parts.Count; i++)
            {
                if (parts[i].Length == 0)
                    throw new SearchParameterException($"Component {i + 1} of '{alternative}' is empty.", raw);
                var component = Component($"{parameter.Name}#{i}", parameter.Components[i], parts[i], raw);
                if (component is null) return null;
                components.Add(component);
            }
            anyOf.Add(components);
        }
        return new CompositeCondition(parameter.Name, anyOf);
    }

    private static SearchCondition? Component(string name, SearchParamType type, string part, string raw) => type switch
    {
        SearchParamType.Token => new TokenCondition(name, [ParseToken(part, raw)]),
        SearchParamType.Quantity => new QuantityCondition(name, [ParseQuantity(part, raw)]),
        SearchParamType.Number => new NumberCondition(name, [ParseNumber(part, raw)]),
        SearchParamType.Date => new DateCondition(name, [ParseDate(part, raw)]),
        SearchParamType.String => new StringCondition(name, [StringNormalizer.Normalize(SearchValueSyntax.Unescape(part))]),
        SearchParamType.Uri => new UriCondition(name, [SearchValueSyntax.Unescape(part)]),
        SearchParamType.Reference => new ReferenceCondition(name, [ParseReference(part, null, [], raw)]),
        _ => null,
    };
}
