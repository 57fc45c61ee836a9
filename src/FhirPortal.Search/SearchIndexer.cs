using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>
/// Computes a resource's index values at write time by evaluating each applicable search parameter's FhirPath
/// expression once; stores never evaluate FhirPath themselves.
/// </summary>
public sealed class SearchIndexer(SearchParameterRegistry registry)
{
    public ResourceIndex Index(Resource resource)
    {
        var index = new ResourceIndex();
        var type = resource.TypeName;
        var context = new FhirEvaluationContext();
        foreach (var parameter in registry.ForType(type))
        {
            if (parameter.Expression is null || parameter.Type != SearchParamType.Token) continue;
            foreach (var value in Evaluate(resource, parameter.Expression, context))
                TokenValues.Add(index.Tokens, parameter.Name, value);
        }
        return index;
    }

    private static IEnumerable<Base> Evaluate(Resource resource, string expression, FhirEvaluationContext context)
    {
        try
        {
            return resource.Select(expression, context).ToList();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            // A definition whose expression needs services we do not provide (e.g. resolve() on an
            // unresolvable reference) indexes nothing rather than failing the write.
            return [];
        }
    }
}
