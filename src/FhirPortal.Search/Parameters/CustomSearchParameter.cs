using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace FhirPortal.Search;

/// <summary>Turns a SearchParameter resource into registry entries, one per base type, checking what search needs.</summary>
public static class CustomSearchParameter
{
    /// <summary>The parameters it defines; throws <see cref="ArgumentException"/> saying what is missing or wrong.</summary>
    public static IReadOnlyList<SearchParameterInfo> ToInfos(SearchParameter resource, SearchParameterRegistry registry)
    {
        if (string.IsNullOrWhiteSpace(resource.Code))
            throw new ArgumentException("A SearchParameter needs a code: the name used in search URLs.");
        if (resource.Type is not { } type)
            throw new ArgumentException("A SearchParameter needs a type.");
        if (type == SearchParamType.Special)
            throw new ArgumentException("Custom parameters of type special cannot be indexed: the server cannot evaluate them.");
        var bases = resource.Base.Select(b => b?.GetLiteral()).OfType<string>().ToList();
        if (bases.Count == 0 || bases.Any(b => !ModelInfo.IsKnownResource(b)))
            throw new ArgumentException($"The SearchParameter's base must list resource types; got '{string.Join(", ", bases)}'.");
        if (string.IsNullOrWhiteSpace(resource.Expression))
            throw new ArgumentException("A SearchParameter needs a FHIRPath expression to be indexed.");
        Compile(resource.Expression, "expression");

        var components = new List<CompositeComponent>();
        if (type == SearchParamType.Composite)
        {
            foreach (var component in resource.Component)
            {
                var part = component.Definition is null ? null : registry.FindByUrl(component.Definition);
                if (part is null || string.IsNullOrWhiteSpace(component.Expression))
                    throw new ArgumentException($"Composite component '{component.Definition}' must name a known parameter and have an expression.");
                Compile(component.Expression, "component.expression");
                components.Add(new CompositeComponent(part.Type, component.Expression));
            }
            if (components.Count < 2) throw new ArgumentException("A composite SearchParameter needs at least two components.");
        }

        var url = resource.Url ?? $"urn:fhirportal:searchparameter:{resource.Id}";
        var targets = resource.Target.Select(t => t?.GetLiteral()).OfType<string>().ToArray();
        return bases.Select(b => new SearchParameterInfo(b, resource.Code, url, type, ExpressionNarrowing.ForType(resource.Expression, b), targets)
        {
            Components = components,
        }).ToList();
    }

    // The indexer's own compiler and cache decide: what passes here is exactly what indexing can evaluate.
    private static void Compile(string expression, string element)
    {
        if (FhirPathEvaluator.Compile(expression) is null)
            throw new ArgumentException($"The {element} '{expression}' is not FHIRPath this server can evaluate.");
    }
}
