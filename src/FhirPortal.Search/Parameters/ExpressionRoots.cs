using System.Text;
using System.Text.RegularExpressions;

namespace FhirPortal.Search;

/// <summary>
/// The top-level elements a search expression starts from (<c>Observation.component.code</c> → component), so the
/// indexer can skip a parameter when the resource has none of them: most parameters of a type are absent from any one
/// resource, and evaluating them was most of the indexing time. Null when the expression is not a plain path that
/// yields nothing from an absent element (e.g. <c>deceased.exists() and ...</c> yields false): it is always evaluated.
/// </summary>
internal static partial class ExpressionRoots
{
    /// <summary>Functions and operators that give nothing for an empty input, so an absent root means no values.</summary>
    private static readonly HashSet<string> EmptyPreserving = ["where", "as", "ofType", "extension", "resolve", "first", "last", "single"];

    public static IReadOnlyList<string>? Of(string? expression, string resourceType)
    {
        if (string.IsNullOrWhiteSpace(expression)) return null;
        var roots = new List<string>();
        foreach (var branch in ExpressionNarrowing.SplitTopLevelUnion(expression))
        {
            if (Outline(Unwrap(branch)) is not { } outline) return null;
            var path = PlainPath().Match(outline);
            if (!path.Success) return null;
            var type = path.Groups["type"].Value;
            if (type != resourceType && type is not ("Resource" or "DomainResource")) return null;
            if (path.Groups["fn"].Captures.Any(c => !EmptyPreserving.Contains(c.Value))) return null;
            roots.Add(path.Groups["root"].Value);
        }
        return roots.Distinct().ToArray();
    }

    private static string Unwrap(string branch)
    {
        var s = branch.Trim();
        while (s.Length > 1 && s[0] == '(' && ClosingOf(s, 0) == s.Length - 1) s = s[1..^1].Trim();
        return s;
    }

    /// <summary>The branch with every parenthesised argument list emptied ("where(...)" → "where()"); null when unbalanced or quoted at top level.</summary>
    private static string? Outline(string s)
    {
        var outline = new StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\'') return null;
            if (s[i] == ')') return null;
            if (s[i] != '(') { outline.Append(s[i]); continue; }
            var close = ClosingOf(s, i);
            if (close < 0) return null;
            outline.Append("()");
            i = close;
        }
        return outline.ToString();
    }

    private static int ClosingOf(string s, int open)
    {
        var depth = 0;
        var quoted = false;
        for (var i = open; i < s.Length; i++)
        {
            if (s[i] == '\'') quoted = !quoted;
            if (quoted) continue;
            if (s[i] == '(') depth++;
            else if (s[i] == ')' && --depth == 0) return i;
        }
        return -1;
    }

    // Type.root then .element / .fn() steps, optionally ending in "as Type": nothing that turns "empty" into a value.
    [GeneratedRegex(@"^(?<type>[A-Za-z]+)\.(?<root>[a-z][A-Za-z0-9]*)(\.([A-Za-z][A-Za-z0-9]*|(?<fn>[A-Za-z]+)\(\)))*(\s+as\s+[A-Za-z]+)?$")]
    private static partial Regex PlainPath();
}
