namespace FhirPortal.Search;

/// <summary>
/// Turns URL search parameters (https://hl7.org/fhir/R4/search.html) into a <see cref="SearchQuery"/>: filters
/// become conditions (repeats AND-ed, commas OR-ed), and _count, _sort, _total, _include, _revinclude, _type and
/// _cursor shape the query. Response-only parameters (_format, _pretty, _summary, _elements) are left to the caller.
/// </summary>
public sealed class SearchQueryParser(SearchParameterRegistry registry)
{
    /// <summary>Parameters that shape the response rather than select resources; the REST layer handles them.</summary>
    private static readonly HashSet<string> ResponseParameters = ["_format", "_pretty", "_summary", "_elements"];

    /// <summary>Parameters the server recognises but does not implement.</summary>
    private static readonly HashSet<string> NotImplemented = ["_contained", "_containedType", "_filter", "_query"];

    /// <param name="resourceType">The searched type, or null for a system search (narrowed by <c>_type</c>).</param>
    public ParsedSearch Parse(string? resourceType, IEnumerable<KeyValuePair<string, string>> parameters, int defaultCount, int maxCount)
    {
        var list = parameters.ToList();
        var unsupported = new List<string>();
        var types = resourceType is null ? ParseTypes(list) : null;
        var scope = new ParameterScope(registry, resourceType is null ? types ?? [] : [resourceType]);
        var builder = new QueryBuilder(Math.Min(defaultCount, maxCount));

        foreach (var (name, value) in list)
        {
            if (ResponseParameters.Contains(name)) continue;
            if (name == "_type")
            {
                if (resourceType is not null) unsupported.Add(name); // only meaningful for a system search
                continue;
            }
            if (!ResultParameter(builder, scope, name, value, maxCount, unsupported))
            {
                var condition = NotImplemented.Contains(BaseName(name)) ? null : FilterParser.Parse(scope, name, value, name);
                if (condition is null) unsupported.Add(name);
                else builder.Conditions.Add(condition);
            }
        }

        var query = new SearchQuery(resourceType, builder.Conditions, builder.Count, builder.Cursor)
        {
            Types = types,
            Sort = builder.Sort,
            Total = builder.Total,
            Includes = builder.Includes,
            RevIncludes = builder.RevIncludes,
        };
        return new ParsedSearch(query, unsupported);
    }

    /// <summary>Handles a result parameter; false when <paramref name="name"/> is a filter instead.</summary>
    private static bool ResultParameter(QueryBuilder builder, ParameterScope scope, string name, string value, int maxCount, List<string> unsupported)
    {
        switch (name)
        {
            case "_count":
                builder.Count = ResultParameterParser.ParseCount(value, maxCount, name);
                return true;
            case "_cursor":
                builder.Cursor = value;
                return true;
            case "_total":
                builder.Total = ResultParameterParser.ParseTotal(value, name);
                return true;
            case "_sort":
                builder.Sort.AddRange(ResultParameterParser.ParseSort(scope, value, name));
                return true;
        }
        if (BaseName(name) is not ("_include" or "_revinclude")) return false;
        var reverse = BaseName(name) == "_revinclude";
        var modifier = name.Length > BaseName(name).Length ? name[(BaseName(name).Length + 1)..] : null;
        var specs = modifier is null or "iterate" or "recurse"
            ? ResultParameterParser.ParseInclude(scope, value, iterate: modifier is not null, reverse, name)
            : null;
        if (specs is null) unsupported.Add(name);
        else (reverse ? builder.RevIncludes : builder.Includes).AddRange(specs);
        return true;
    }

    /// <summary>The <c>_type</c> list of a system search (all <c>_type</c> parameters together), or null without one.</summary>
    private static List<string>? ParseTypes(List<KeyValuePair<string, string>> parameters)
    {
        List<string>? types = null;
        foreach (var (name, value) in parameters.Where(p => p.Key == "_type"))
        {
            types ??= [];
            foreach (var type in ResultParameterParser.ParseTypes(value, name))
                if (!types.Contains(type)) types.Add(type);
        }
        return types;
    }

    private static string BaseName(string name)
    {
        var colon = name.IndexOf(':');
        return colon < 0 ? name : name[..colon];
    }

    private sealed class QueryBuilder(int count)
    {
        public int Count { get; set; } = count;
        public string? Cursor { get; set; }
        public TotalMode Total { get; set; } = TotalMode.None;
        public List<SearchCondition> Conditions { get; } = [];
        public List<SortKey> Sort { get; } = [];
        public List<IncludeSpec> Includes { get; } = [];
        public List<IncludeSpec> RevIncludes { get; } = [];
    }
}
