using System.Globalization;
using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>The search result parameters that shape the query itself: _count, _total, _sort, _include, _revinclude, _type.</summary>
internal static class ResultParameterParser
{
    public static int ParseCount(string value, int maxCount, string raw)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            throw new SearchParameterException($"_count must be a non-negative integer, not '{value}'.", raw);
        return Math.Min(count, maxCount);
    }

    public static TotalMode ParseTotal(string value, string raw) => value switch
    {
        "none" => TotalMode.None,
        "estimate" => TotalMode.Estimate,
        "accurate" => TotalMode.Accurate,
        _ => throw new SearchParameterException($"_total must be none, estimate or accurate, not '{value}'.", raw),
    };

    /// <summary><c>_sort=-date,status</c>: each key a parameter of the searched type(s), or _id / _lastUpdated.</summary>
    public static IEnumerable<SortKey> ParseSort(ParameterScope scope, string value, string raw)
    {
        var keys = new List<SortKey>();
        foreach (var part in value.Split(','))
        {
            var key = part.Trim();
            var descending = key.StartsWith('-');
            var name = descending ? key[1..] : key;
            if (name.Length == 0)
                throw new SearchParameterException($"'{value}' has an empty sort key.", raw);
            if (name is not ("_id" or "_lastUpdated")
                && !(scope.TryResolve(name, out var parameter) && parameter.Type is not (SearchParamType.Composite or SearchParamType.Special)))
                throw new SearchParameterException(
                    $"Cannot sort by '{name}': it is not a sortable search parameter of {Describe(scope)}.", raw);
            keys.Add(new SortKey(name, descending));
        }
        return keys;
    }

    /// <summary>
    /// <c>Source:param[:Target]</c>, <c>Source:*</c> or <c>*</c> (every reference parameter of the searched type(s);
    /// _include only). Null when it cannot be honoured.
    /// </summary>
    public static IReadOnlyList<IncludeSpec>? ParseInclude(ParameterScope scope, string value, bool iterate, bool reverse, string raw)
    {
        if (value == "*")
            return reverse || scope.Types.Count == 0 ? null : scope.Types.Select(t => new IncludeSpec(t, "*", null, iterate)).ToList();
        var parts = value.Split(':');
        if (parts.Length is not (2 or 3) || parts.Any(p => p.Length == 0))
            throw new SearchParameterException($"'{value}' is not of the form SourceType:parameter[:TargetType].", raw);
        var source = parts[0];
        if (!ParameterScope.IsResourceType(source))
            throw new SearchParameterException($"'{source}' in '{value}' is not a resource type.", raw);
        var name = parts[1];
        IReadOnlyList<string> targets = [];
        if (name != "*")
        {
            if (!scope.ForType(source).TryResolve(name, out var parameter) || parameter.Type != SearchParamType.Reference)
                throw new SearchParameterException($"{source} has no reference parameter '{name}' to include by.", raw);
            name = parameter.Name;
            targets = parameter.Targets;
        }
        string? target = null;
        if (parts.Length == 3)
        {
            target = parts[2];
            if (!ParameterScope.IsResourceType(target))
                throw new SearchParameterException($"'{target}' in '{value}' is not a resource type.", raw);
            SearchValueParsers.CheckTarget(target, targets, raw);
        }
        return [new IncludeSpec(source, name, target, iterate)];
    }

    /// <summary><c>_type=Observation,Condition</c>: known resource types, without repeats.</summary>
    public static IReadOnlyList<string> ParseTypes(string value, string raw)
    {
        var types = new List<string>();
        foreach (var part in value.Split(','))
        {
            var type = part.Trim();
            if (!ParameterScope.IsResourceType(type))
                throw new SearchParameterException($"'{type}' is not a resource type.", raw);
            if (!types.Contains(type)) types.Add(type);
        }
        return types;
    }

    private static string Describe(ParameterScope scope) =>
        scope.Types.Count == 0 ? "every resource type" : string.Join(", ", scope.Types);
}
