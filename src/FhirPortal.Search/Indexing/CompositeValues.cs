using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>
/// Composite parameters: every occurrence the parameter's expression selects gets its own group number (unique
/// within the resource), and each component's values are stored under "<c>param#i</c>" (i from 0, in definition
/// order) with that group, so a store can require all components to match the same occurrence.
/// </summary>
internal static class CompositeValues
{
    public static void Add(ResourceIndex index, SearchParameterInfo parameter, ExpressionEvaluation evaluation, ref int groups)
    {
        if (parameter.Expression is null || parameter.Components.Count == 0) return;
        foreach (var components in evaluation.Occurrences(parameter.Expression, parameter.Components))
        {
            // An occurrence lacking a component can never satisfy the composite, so it gets no group at all.
            if (components.Any(values => values is not { Count: > 0 })) continue;
            var group = ++groups;
            for (var i = 0; i < components.Length; i++)
                foreach (var value in components[i])
                    IndexValues.Add(index, parameter.Components[i].Type, $"{parameter.Name}#{i}", value, group);
        }
    }
}

/// <summary>Routes one selected value to the extractor for the parameter's type.</summary>
internal static class IndexValues
{
    public static void Add(ResourceIndex index, SearchParamType type, string param, Base value, int? group = null)
    {
        try
        {
            switch (type)
            {
                case SearchParamType.Token: TokenValues.Add(index.Tokens, param, value, group); break;
                case SearchParamType.String: StringValues.Add(index.Strings, param, value, group); break;
                case SearchParamType.Date: DateValues.Add(index.Dates, param, value, group); break;
                case SearchParamType.Number: NumberValues.Add(index.Numbers, param, value, group); break;
                case SearchParamType.Quantity: QuantityValues.Add(index.Quantities, param, value, group); break;
                case SearchParamType.Reference: ReferenceValues.Add(index.References, param, value, group); break;
                case SearchParamType.Uri: UriValues.Add(index.Uris, param, value, group); break;
                // Composite is handled by CompositeValues; special (e.g. Location.near) is not indexed.
            }
        }
        catch (Exception)
        {
            // A value the parser kept but that is not valid for its type (e.g. a decimal stored as an unparsable
            // string) is skipped; indexing never fails a write.
        }
    }
}
