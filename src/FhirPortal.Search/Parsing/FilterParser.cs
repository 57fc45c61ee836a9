using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>
/// Turns one filtering parameter (<c>name[:modifier]</c>, a chain <c>ref[:Type].name</c> or <c>_has:Type:ref:name</c>)
/// and its value into a <see cref="SearchCondition"/>. Returns null for what the server cannot honour (unknown
/// parameter or modifier); throws <see cref="SearchParameterException"/> naming <c>raw</c> for malformed input.
/// </summary>
internal static class FilterParser
{
    public static SearchCondition? Parse(ParameterScope scope, string name, string value, string raw)
    {
        if (name.StartsWith("_has:", StringComparison.Ordinal)) return ParseHas(scope, name, value, raw);
        var dot = name.IndexOf('.');
        if (dot >= 0) return ParseChain(scope, name[..dot], name[(dot + 1)..], value, raw);

        var colon = name.IndexOf(':');
        var paramName = colon < 0 ? name : name[..colon];
        var modifier = colon < 0 ? null : name[(colon + 1)..];
        switch (paramName)
        {
            case "_id":
                var ids = TypedConditionParser.Alternatives(value).Select(SearchValueSyntax.Unescape).ToList();
                return modifier is null or "not" && ids.Count > 0 ? new IdCondition(ids, modifier is "not") : null;
            case "_text" or "_content":
                return modifier is null && value.Length > 0 ? new TextCondition(paramName == "_text", value) : null;
            case "_list":
                return modifier is null && value.Length > 0 ? new ListCondition(SearchValueSyntax.Unescape(value)) : null;
            case "_filter" or "_query" or "_has":
                return null;
        }
        return scope.TryResolve(paramName, out var parameter)
            ? TypedConditionParser.Parse(parameter, modifier, value, raw)
            : null;
    }

    /// <summary><c>ref[:Type].rest</c>: resources whose <c>ref</c> points at a <c>Type</c> matching <c>rest</c>.</summary>
    private static SearchCondition? ParseChain(ParameterScope scope, string head, string tail, string value, string raw)
    {
        var colon = head.IndexOf(':');
        var paramName = colon < 0 ? head : head[..colon];
        var typeModifier = colon < 0 ? null : head[(colon + 1)..];
        if (tail.Length == 0) throw new SearchParameterException($"'{raw}' ends in '.' without a parameter to chain to.", raw);
        if (!scope.TryResolve(paramName, out var parameter))
        {
            if (ParameterScope.SpecialBase.Contains(paramName))
                throw new SearchParameterException($"{paramName} is not a reference parameter, so it cannot be chained.", raw);
            return null;
        }
        if (parameter.Type != SearchParamType.Reference)
            throw new SearchParameterException(
                $"{paramName} is a {parameter.Type.ToString().ToLowerInvariant()} parameter, not a reference, so it cannot be chained.", raw);

        var target = typeModifier is null ? InferTarget(scope, parameter, tail, raw) : CheckedTarget(parameter, typeModifier, raw);
        if (target is null) return null;
        var inner = Parse(scope.ForType(target), tail, value, raw);
        return inner is null ? null : new ChainCondition(parameter.Name, target, inner);
    }

    private static string CheckedTarget(ResolvedParameter parameter, string typeModifier, string raw)
    {
        if (!ParameterScope.IsResourceType(typeModifier))
            throw new SearchParameterException($"'{typeModifier}' in '{raw}' is not a resource type to chain through.", raw);
        SearchValueParsers.CheckTarget(typeModifier, parameter.Targets, raw);
        return typeModifier;
    }

    /// <summary>
    /// The chain's target type without a <c>:Type</c>: the only target, or the only target that defines the next
    /// parameter; null when no target does. Ambiguity is an error that asks for the type.
    /// </summary>
    private static string? InferTarget(ParameterScope scope, ResolvedParameter parameter, string tail, string raw)
    {
        if (parameter.Targets.Count == 1) return parameter.Targets[0];
        var next = FirstName(tail);
        var candidates = parameter.Targets.Where(t => scope.ForType(t).Knows(next)).ToList();
        if (candidates.Count == 1) return candidates[0];
        if (candidates.Count == 0 && parameter.Targets.Count > 0) return null;
        var example = candidates.Count > 0 ? candidates[0] : "Patient";
        throw new SearchParameterException(
            $"'{raw}' is ambiguous: {parameter.Name} can refer to " +
            $"{(parameter.Targets.Count == 0 ? "any resource type" : string.Join(", ", candidates))}; " +
            $"name the type, e.g. {parameter.Name}:{example}.{tail}.", raw);
    }

    private static string FirstName(string name)
    {
        if (name.StartsWith("_has:", StringComparison.Ordinal)) return "_has";
        var end = name.IndexOfAny(['.', ':']);
        return end < 0 ? name : name[..end];
    }

    /// <summary><c>_has:Type:ref:rest</c>: some <c>Type</c> whose <c>ref</c> points at the candidate matches <c>rest</c>.</summary>
    private static SearchCondition? ParseHas(ParameterScope scope, string name, string value, string raw)
    {
        var parts = name.Split(':', 4);
        if (parts.Length < 4 || parts.Skip(1).Any(p => p.Length == 0))
            throw new SearchParameterException($"'{raw}' is not of the form _has:Type:reference:parameter.", raw);
        var (source, referenceName, rest) = (parts[1], parts[2], parts[3]);
        if (!ParameterScope.IsResourceType(source))
            throw new SearchParameterException($"'{source}' in '{raw}' is not a resource type.", raw);
        var sourceScope = scope.ForType(source);
        if (!sourceScope.TryResolve(referenceName, out var reference) || reference.Type != SearchParamType.Reference)
            throw new SearchParameterException($"{source} has no reference parameter '{referenceName}' (in '{raw}').", raw);
        if (scope.SingleType is { } type && reference.Targets.Count > 0 && !reference.Targets.Contains(type))
            throw new SearchParameterException($"{source}.{referenceName} cannot refer to a {type} (in '{raw}').", raw);
        var inner = Parse(sourceScope, rest, value, raw);
        return inner is null ? null : new HasCondition(source, reference.Name, inner);
    }
}
