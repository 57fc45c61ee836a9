using Hl7.Fhir.Model;
using static FhirPortal.Search.SearchValueParsers;

namespace FhirPortal.Search;

/// <summary>
/// Builds the condition for one resolved parameter, by its type and modifier. Returns null for a modifier the type
/// does not have (the caller reports the parameter as unsupported); throws <see cref="SearchParameterException"/>
/// naming <c>raw</c> for a malformed value.
/// </summary>
internal static class TypedConditionParser
{
    public static SearchCondition? Parse(ResolvedParameter parameter, string? modifier, string value, string raw)
    {
        if (modifier == "missing") return new MissingCondition(parameter.Name, parameter.Type, ParseBoolean(value, raw));
        var alternatives = Alternatives(value);
        if (alternatives.Count == 0) return null;
        return parameter.Type switch
        {
            SearchParamType.Number when modifier is null =>
                new NumberCondition(parameter.Name, alternatives.Select(a => ParseNumber(a, raw)).ToList()),
            SearchParamType.Date when modifier is null =>
                new DateCondition(parameter.Name, alternatives.Select(a => ParseDate(a, raw)).ToList()),
            SearchParamType.Quantity when modifier is null =>
                new QuantityCondition(parameter.Name, alternatives.Select(a => ParseQuantity(a, raw)).ToList()),
            SearchParamType.String => ParseString(parameter.Name, modifier, alternatives),
            SearchParamType.Token => ParseTokenCondition(parameter.Name, modifier, alternatives, raw),
            SearchParamType.Reference => ParseReferenceCondition(parameter, modifier, alternatives, raw),
            SearchParamType.Uri => ParseUri(parameter.Name, modifier, alternatives),
            SearchParamType.Composite when modifier is null => CompositeConditionParser.Parse(parameter, alternatives, raw),
            _ => null, // Special (Location near) and modifiers a type does not have
        };
    }

    /// <summary>The comma-separated alternatives of a value, empty ones dropped.</summary>
    public static List<string> Alternatives(string value) =>
        SearchValueSyntax.SplitOr(value).Where(a => a.Length > 0).ToList();

    private static bool ParseBoolean(string value, string raw) => value switch
    {
        "true" => true,
        "false" => false,
        _ => throw new SearchParameterException($":missing takes true or false, not '{value}'.", raw),
    };

    private static StringCondition? ParseString(string name, string? modifier, List<string> alternatives)
    {
        StringModifier? mode = modifier switch
        {
            null => StringModifier.StartsWith,
            "exact" => StringModifier.Exact,
            "contains" => StringModifier.Contains,
            _ => null,
        };
        if (mode is not { } m) return null;
        var values = alternatives.Select(SearchValueSyntax.Unescape)
            .Select(v => m == StringModifier.Exact ? v : StringNormalizer.Normalize(v))
            .Where(v => v.Length > 0).ToList();
        return values.Count == 0 ? null : new StringCondition(name, values, m);
    }

    private static SearchCondition? ParseTokenCondition(string name, string? modifier, List<string> alternatives, string raw)
    {
        switch (modifier)
        {
            case null:
                return new TokenCondition(name, alternatives.Select(a => ParseToken(a, raw)).ToList());
            case "not":
                return new TokenCondition(name, alternatives.Select(a => ParseToken(a, raw)).ToList(), TokenModifier.Not);
            case "text":
                var texts = alternatives.Select(a => StringNormalizer.Normalize(SearchValueSyntax.Unescape(a)))
                    .Where(t => t.Length > 0).Select(t => new TokenMatch(SystemRule.Any, null, t)).ToList();
                return texts.Count == 0 ? null : new TokenCondition(name, texts, TokenModifier.Text);
            case "of-type":
                return new TokenCondition(name + ":of-type", alternatives.Select(a => ParseOfType(a, raw)).ToList());
            case "in" or "not-in":
                if (alternatives.Count != 1)
                    throw new SearchParameterException($"'{raw}' takes one ValueSet (a canonical URL or ValueSet/id).", raw);
                return new ValueSetCondition(name, SearchValueSyntax.Unescape(alternatives[0]), modifier == "not-in");
            case "above" or "below":
                var codes = alternatives.Select(a => ParseToken(a, raw)).ToList();
                if (codes.Any(c => c.Rule != SystemRule.Exact || string.IsNullOrEmpty(c.Code)))
                    throw new SearchParameterException($"'{raw}' takes system|code values (subsumption is within one CodeSystem).", raw);
                return new SubsumptionCondition(name, codes, modifier == "above");
            default:
                return null;
        }
    }

    private static SearchCondition? ParseReferenceCondition(ResolvedParameter parameter, string? modifier, List<string> alternatives, string raw)
    {
        if (modifier == "identifier")
            return new ReferenceIdentifierCondition(parameter.Name, alternatives.Select(a => ParseToken(a, raw)).ToList());
        if (modifier is not null)
        {
            if (!ParameterScope.IsResourceType(modifier)) return null; // :above, :below and unknown modifiers
            CheckTarget(modifier, parameter.Targets, raw);
        }
        return new ReferenceCondition(parameter.Name,
            alternatives.Select(a => ParseReference(a, modifier, parameter.Targets, raw)).ToList());
    }

    private static UriCondition? ParseUri(string name, string? modifier, List<string> alternatives)
    {
        UriModifier? mode = modifier switch
        {
            null => UriModifier.None,
            "above" => UriModifier.Above,
            "below" => UriModifier.Below,
            _ => null,
        };
        return mode is { } m ? new UriCondition(name, alternatives.Select(SearchValueSyntax.Unescape).ToList(), m) : null;
    }
}
