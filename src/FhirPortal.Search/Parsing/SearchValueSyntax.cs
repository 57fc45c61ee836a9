using System.Text;

namespace FhirPortal.Search;

/// <summary>
/// The spec's value syntax: ',' separates alternatives, '$' composite components, '|' system from code, and '\'
/// escapes each of them (and itself). Splitting keeps escapes so a later split still sees them; <see cref="Unescape"/>
/// removes them once a part is final.
/// </summary>
public static class SearchValueSyntax
{
    public static IReadOnlyList<string> SplitOr(string value) => Split(value, ',');

    /// <summary>Splits one composite value into its components (separated by an unescaped '$').</summary>
    public static IReadOnlyList<string> SplitComposite(string value) => Split(value, '$');

    /// <summary>Splits on unescaped '|' (token system|code, quantity number|system|code).</summary>
    public static IReadOnlyList<string> SplitPipes(string value) => Split(value, '|');

    public static TokenMatch ParseToken(string value)
    {
        var parts = Split(value, '|');
        if (parts.Count == 1) return new TokenMatch(SystemRule.Any, null, Unescape(parts[0]));
        var system = Unescape(parts[0]);
        // An unescaped '|' inside the code is kept as part of the code.
        var code = Unescape(string.Join("|", parts.Skip(1)));
        if (system.Length == 0) return new TokenMatch(SystemRule.None, null, code);
        return new TokenMatch(SystemRule.Exact, system, code.Length == 0 ? null : code);
    }

    /// <summary>Removes the escaping backslash before ',', '$', '|' and '\'; any other backslash stays as written.</summary>
    public static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var result = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length && s[i + 1] is ',' or '$' or '|' or '\\')
                i++;
            result.Append(s[i]);
        }
        return result.ToString();
    }

    private static List<string> Split(string value, char separator)
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
        return parts;
    }
}
