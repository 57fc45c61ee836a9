using System.Text;

namespace FhirPortal.Search;

/// <summary>
/// Shared R4 definitions (e.g. clinical-code) union the paths of many types; evaluating the whole union for every
/// resource wastes time, so each definition keeps only the branches rooted in the type it is applied to.
/// </summary>
internal static class ExpressionNarrowing
{
    public static string? ForType(string? expression, string resourceType)
    {
        if (string.IsNullOrWhiteSpace(expression)) return null;
        var branches = SplitTopLevelUnion(expression);
        if (branches.Count == 1) return expression;
        var kept = branches.Where(b => RootOf(b) is var root && (root == resourceType || !IsTypeRoot(root))).ToList();
        return kept.Count == 0 ? null : string.Join(" | ", kept);
    }

    private static bool IsTypeRoot(string root) => Hl7.Fhir.Model.ModelInfo.IsKnownResource(root);

    private static string RootOf(string branch)
    {
        var s = branch.TrimStart('(', ' ');
        var end = 0;
        while (end < s.Length && char.IsLetterOrDigit(s[end])) end++;
        return s[..end];
    }

    internal static List<string> SplitTopLevelUnion(string expression)
    {
        var parts = new List<string>();
        var depth = 0;
        var inString = false;
        var current = new StringBuilder();
        foreach (var c in expression)
        {
            if (c == '\'') inString = !inString;
            if (!inString)
            {
                if (c == '(') depth++;
                else if (c == ')') depth--;
                else if (c == '|' && depth == 0)
                {
                    parts.Add(current.ToString().Trim());
                    current.Clear();
                    continue;
                }
            }
            current.Append(c);
        }
        parts.Add(current.ToString().Trim());
        return parts;
    }
}
