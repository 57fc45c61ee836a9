using Hl7.Fhir.Model;

namespace FhirPortal.Core.Terminology;

/// <summary>
/// What the SDK's expander leaves to the server in <c>$expand</c>: the text <c>filter</c> and <c>offset</c>/<c>count</c>
/// paging. With any of them the expansion is flat (a page of a tree has no meaning); <c>total</c> counts the codes that
/// pass the filter, and the parameters used are echoed in <c>expansion.parameter</c>.
/// </summary>
public static class ExpansionPage
{
    public static ValueSet Apply(ValueSet expanded, string? filter, int? offset, int? count, bool includeDesignations)
    {
        var expansion = expanded.Expansion ??= new ValueSet.ExpansionComponent();
        expansion.Timestamp ??= DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssK");
        expansion.Identifier ??= "urn:uuid:" + Guid.NewGuid();
        if (includeDesignations) Echo(expansion, "includeDesignations", new FhirBoolean(true));
        if (filter is null && offset is null && count is null)
        {
            expansion.Total ??= Flatten(expansion.Contains).Count();
            return expanded;
        }

        var matches = Flatten(expansion.Contains).Where(c => filter is null || Matches(c, filter)).ToList();
        expansion.Total = matches.Count;
        expansion.Offset = offset ?? 0;
        expansion.Contains = [.. matches.Skip(offset ?? 0).Take(count ?? int.MaxValue)];
        if (filter is not null) Echo(expansion, "filter", new FhirString(filter));
        if (offset is not null) Echo(expansion, "offset", new Integer(offset));
        if (count is not null) Echo(expansion, "count", new Integer(count));
        return expanded;
    }

    /// <summary>
    /// Case-insensitive: the filter occurs in the code, or each of its words starts a word of the display
    /// ("vital" finds "Vital Signs", "sig vit" too).
    /// </summary>
    public static bool Matches(ValueSet.ContainsComponent concept, string filter)
    {
        if (concept.Code?.Contains(filter, StringComparison.OrdinalIgnoreCase) == true) return true;
        var words = Words(concept.Display ?? "");
        return Words(filter).All(f => words.Any(w => w.StartsWith(f, StringComparison.OrdinalIgnoreCase)));
    }

    private static string[] Words(string text) =>
        text.Split([' ', '-', '_', '/', '(', ')', ',', '.', ':'], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Every concept of a (possibly nested) expansion with a code, parents before children, without their nesting.</summary>
    public static IEnumerable<ValueSet.ContainsComponent> Flatten(IEnumerable<ValueSet.ContainsComponent> contains)
    {
        foreach (var concept in contains)
        {
            if (concept.Code is not null)
            {
                var flat = (ValueSet.ContainsComponent)concept.DeepCopy();
                flat.Contains = [];
                yield return flat;
            }
            foreach (var child in Flatten(concept.Contains)) yield return child;
        }
    }

    private static void Echo(ValueSet.ExpansionComponent expansion, string name, DataType value)
    {
        expansion.Parameter.RemoveAll(p => p.Name == name);
        expansion.Parameter.Add(new ValueSet.ParameterComponent { Name = name, Value = value });
    }
}
