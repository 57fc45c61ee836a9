using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>The outcome of parsing search parameters: the query, plus the parameters it could not use.</summary>
public sealed record ParsedSearch(SearchQuery Query, IReadOnlyList<string> Unsupported);

/// <summary>Turns URL search parameters into a <see cref="SearchQuery"/>; result-shaping parameters are left to the caller.</summary>
public sealed class SearchQueryParser(SearchParameterRegistry registry)
{
    /// <summary>Parameters that shape the response rather than select resources; the REST layer handles them.</summary>
    private static readonly HashSet<string> ResultParameters =
        ["_format", "_pretty", "_summary", "_elements", "_cursor"];

    public ParsedSearch Parse(string resourceType, IEnumerable<KeyValuePair<string, string>> parameters, int defaultCount, int maxCount)
    {
        var conditions = new List<SearchCondition>();
        var unsupported = new List<string>();
        var count = defaultCount;
        string? cursor = null;
        foreach (var (rawName, value) in parameters)
        {
            var name = rawName;
            if (name == "_count")
            {
                if (!int.TryParse(value, out var c) || c < 0)
                    throw new SearchParameterException($"_count must be a non-negative integer, not '{value}'.", name);
                count = Math.Min(c, maxCount);
                continue;
            }
            if (name == "_cursor") { cursor = value; continue; }
            if (ResultParameters.Contains(name)) continue;
            if (name == "_id")
            {
                conditions.Add(new IdCondition(SearchValueSyntax.SplitOr(value)));
                continue;
            }
            if (!name.Contains(':') && registry.TryGet(resourceType, name, out var definition)
                && definition.Type == SearchParamType.Token && definition.Expression is not null)
            {
                conditions.Add(new TokenCondition(name, SearchValueSyntax.SplitOr(value).Select(SearchValueSyntax.ParseToken).ToList()));
                continue;
            }
            unsupported.Add(name);
        }
        return new ParsedSearch(new SearchQuery(resourceType, conditions, count, cursor), unsupported);
    }
}

/// <summary>A search parameter whose value cannot be understood.</summary>
public sealed class SearchParameterException(string message, string parameter) : Exception(message)
{
    public string Parameter { get; } = parameter;
}
