using System.Text;

namespace FhirPortal.Search;

/// <summary>The spec's value syntax: ',' separates alternatives, '|' system from code, '\' escapes both.</summary>
public static class SearchValueSyntax
{
    public static IReadOnlyList<string> SplitOr(string value) => Split(value, ',', unescape: false);

    public static TokenMatch ParseToken(string value)
    {
        var parts = Split(value, '|', unescape: false);
        if (parts.Count == 1) return new TokenMatch(SystemRule.Any, null, Unescape(parts[0]));
        var system = Unescape(parts[0]);
        var code = Unescape(string.Join("|", parts.Skip(1)));
        if (system.Length == 0) return new TokenMatch(SystemRule.None, null, code);
        return new TokenMatch(SystemRule.Exact, system, code.Length == 0 ? null : code);
    }

    private static string Unescape(string s) =>
        s.Replace("\\,", ",").Replace("\\|", "|").Replace("\\$", "$").Replace("\\\\", "\\");

    private static List<string> Split(string value, char separator, bool unescape)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length)
            {
                current.Append(c).Append(value[++i]);
                continue;
            }
            if (c == separator)
            {
                parts.Add(current.ToString());
                current.Clear();
                continue;
            }
            current.Append(c);
        }
        parts.Add(current.ToString());
        return unescape ? parts.Select(Unescape).ToList() : parts;
    }
}
