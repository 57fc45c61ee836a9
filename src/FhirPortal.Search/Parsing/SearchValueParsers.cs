using System.Globalization;
using System.Text.RegularExpressions;

namespace FhirPortal.Search;

/// <summary>
/// Parses one alternative of a search value (already split on ',') by parameter type. Every failure is a
/// <see cref="SearchParameterException"/> naming <c>param</c>, the parameter as the client wrote it.
/// </summary>
internal static partial class SearchValueParsers
{
    private static readonly Dictionary<string, Prefix> Prefixes = new(StringComparer.Ordinal)
    {
        ["eq"] = Prefix.Eq, ["ne"] = Prefix.Ne, ["gt"] = Prefix.Gt, ["lt"] = Prefix.Lt, ["ge"] = Prefix.Ge,
        ["le"] = Prefix.Le, ["sa"] = Prefix.Sa, ["eb"] = Prefix.Eb, ["ap"] = Prefix.Ap,
    };

    [GeneratedRegex(@"^(?<sign>[+-]?)(?<int>\d+)(\.(?<frac>\d+))?([eE](?<exp>[+-]?\d+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberSyntax();

    [GeneratedRegex(@"^[A-Za-z0-9\-\.]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdSyntax();

    /// <summary>A leading comparison prefix (default eq); letters that are not one of the nine are an error.</summary>
    public static (Prefix Prefix, string Remainder) SplitPrefix(string value, string param)
    {
        if (value.Length == 0 || !char.IsAsciiLetter(value[0])) return (Prefix.Eq, value);
        if (value.Length >= 2 && Prefixes.TryGetValue(value[..2], out var prefix)) return (prefix, value[2..]);
        throw new SearchParameterException(
            $"'{value}' does not start with a number or one of the prefixes eq, ne, gt, lt, ge, le, sa, eb, ap.", param);
    }

    public static NumberMatch ParseNumber(string value, string param)
    {
        var (prefix, rest) = SplitPrefix(value, param);
        var (number, low, high) = ParseDecimal(SearchValueSyntax.Unescape(rest), param);
        return new NumberMatch(prefix, number, low, high);
    }

    /// <summary>
    /// A decimal with its implicit precision: half a unit of the last significant digit written, so 100 is
    /// [99.5, 100.5], 100.00 is [99.995, 100.005], 1e2 is [50, 150] and 1.0e2 is [95, 105].
    /// </summary>
    public static (decimal Value, decimal Low, decimal High) ParseDecimal(string text, string param)
    {
        var m = NumberSyntax().Match(text);
        if (!m.Success) throw new SearchParameterException($"'{text}' is not a number.", param);
        try
        {
            var exponent = m.Groups["exp"].Success ? int.Parse(m.Groups["exp"].Value, CultureInfo.InvariantCulture) : 0;
            var decimals = m.Groups["frac"].Success ? m.Groups["frac"].Value.Length : 0;
            var mantissa = decimal.Parse(m.Groups["sign"].Value + m.Groups["int"].Value + (decimals > 0 ? "." + m.Groups["frac"].Value : ""),
                NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            var value = mantissa * Pow10(exponent);
            var half = 0.5m * Pow10(exponent - decimals);
            return (value, value - half, value + half);
        }
        catch (OverflowException)
        {
            throw new SearchParameterException($"'{text}' is outside the range of numbers this server can search.", param);
        }
    }

    private static decimal Pow10(int exponent)
    {
        if (exponent is > 28 or < -28) throw new OverflowException();
        var result = 1m;
        for (var i = 0; i < Math.Abs(exponent); i++) result = exponent > 0 ? result * 10 : result / 10;
        return result;
    }

    public static DateMatch ParseDate(string value, string param)
    {
        var (prefix, rest) = SplitPrefix(value, param);
        var text = RepairZone(SearchValueSyntax.Unescape(rest));
        if (!FhirDateRange.TryParse(text, out var range))
            throw new SearchParameterException($"'{rest}' is not a FHIR date, dateTime or instant.", param);
        return new DateMatch(prefix, range);
    }

    /// <summary>A '+' zone offset sent unencoded arrives as a space ("10:00:00 02:00"); read it as the '+' it was.</summary>
    private static string RepairZone(string text)
    {
        var space = text.LastIndexOf(' ');
        return space > 0 && text.Contains('T') && Regex.IsMatch(text[(space + 1)..], @"^\d{2}:\d{2}$")
            ? text[..space] + "+" + text[(space + 1)..]
            : text;
    }

    /// <summary><c>[prefix]number</c>, <c>[prefix]number|system|code</c> or <c>[prefix]number||code</c>.</summary>
    public static QuantityMatch ParseQuantity(string value, string param)
    {
        var (prefix, rest) = SplitPrefix(value, param);
        var parts = SearchValueSyntax.SplitPipes(rest);
        if (parts.Count is not (1 or 3))
            throw new SearchParameterException($"'{value}' is not a quantity: use number, number|system|code or number||code.", param);
        var (number, low, high) = ParseDecimal(SearchValueSyntax.Unescape(parts[0]), param);
        var system = parts.Count == 3 ? NullIfEmpty(SearchValueSyntax.Unescape(parts[1])) : null;
        var code = parts.Count == 3 ? NullIfEmpty(SearchValueSyntax.Unescape(parts[2])) : null;
        string? canonicalCode = null;
        decimal? canonicalValue = null;
        if ((system is null || system == UcumCanonical.System)
            && UcumCanonical.TryCanonicalize(number, code, out var cv, out var cc))
        {
            canonicalCode = cc;
            canonicalValue = cv;
        }
        return new QuantityMatch(prefix, number, low, high, system, code, canonicalCode, canonicalValue);
    }

    /// <summary><c>code</c>, <c>system|code</c>, <c>|code</c> or <c>system|</c>.</summary>
    public static TokenMatch ParseToken(string value, string param)
    {
        var match = SearchValueSyntax.ParseToken(value);
        if (match.Rule == SystemRule.None && string.IsNullOrEmpty(match.Code))
            throw new SearchParameterException($"'{value}' names neither a system nor a code.", param);
        return match;
    }

    /// <summary><c>:of-type</c>: <c>[type system]|[type code]|[identifier value]</c>, matched as "code|value" in the type's system.</summary>
    public static TokenMatch ParseOfType(string value, string param)
    {
        var parts = SearchValueSyntax.SplitPipes(value).Select(SearchValueSyntax.Unescape).ToList();
        if (parts.Count != 3 || parts[1].Length == 0 || parts[2].Length == 0)
            throw new SearchParameterException($"'{value}' is not of the form system|code|value that :of-type needs.", param);
        return parts[0].Length == 0
            ? new TokenMatch(SystemRule.None, null, parts[1] + "|" + parts[2])
            : new TokenMatch(SystemRule.Exact, parts[0], parts[1] + "|" + parts[2]);
    }

    /// <summary>
    /// <c>Type/id</c> (a version is dropped), a plain id (of <paramref name="typeModifier"/>, else of any target type),
    /// or an absolute URL.
    /// </summary>
    public static ReferenceMatch ParseReference(string value, string? typeModifier, IReadOnlyList<string> targets, string param)
    {
        var text = SearchValueSyntax.Unescape(value);
        if (text.Contains("://") || text.StartsWith("urn:", StringComparison.Ordinal))
            return ParseUrlReference(text);
        var segments = text.Split('/');
        string? type;
        string id;
        if (segments.Length == 1)
            (type, id) = (typeModifier, segments[0]);
        else if (segments.Length == 2 || (segments.Length == 4 && segments[2] == "_history"))
        {
            (type, id) = (segments[0], segments[1]);
            if (!ParameterScope.IsResourceType(type))
                throw new SearchParameterException($"'{text}' does not start with a resource type.", param);
            if (typeModifier is not null && type != typeModifier)
                throw new SearchParameterException($"'{text}' is not a {typeModifier} reference.", param);
            CheckTarget(type, targets, param);
        }
        else throw new SearchParameterException($"'{text}' is not a reference: use Type/id, an id or an absolute URL.", param);
        if (!IdSyntax().IsMatch(id)) throw new SearchParameterException($"'{id}' is not a valid resource id.", param);
        return new ReferenceMatch(type, id, null);
    }

    /// <summary>An absolute URL; when it ends in <c>Type/id</c> (optionally <c>/_history/v</c>) those are set too.</summary>
    private static ReferenceMatch ParseUrlReference(string url)
    {
        var path = url;
        var query = path.IndexOfAny(['?', '#']);
        if (query >= 0) path = path[..query];
        var segments = path.TrimEnd('/').Split('/');
        if (segments.Length >= 4 && segments[^2] == "_history") segments = segments[..^2];
        if (segments.Length >= 2 && ParameterScope.IsResourceType(segments[^2]) && IdSyntax().IsMatch(segments[^1]))
            return new ReferenceMatch(segments[^2], segments[^1], url);
        return new ReferenceMatch(null, null, url);
    }

    public static void CheckTarget(string type, IReadOnlyList<string> targets, string param)
    {
        if (targets.Count > 0 && !targets.Contains(type))
            throw new SearchParameterException(
                $"{type} is not a target of this reference parameter (it refers to {string.Join(", ", targets)}).", param);
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
