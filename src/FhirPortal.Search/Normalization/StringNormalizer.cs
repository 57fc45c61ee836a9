using System.Globalization;
using System.Text;

namespace FhirPortal.Search;

/// <summary>
/// The one normal form string search compares on, shared by the indexer (<see cref="StringIndexValue.Normalized"/>)
/// and the query parser (<see cref="StringCondition"/> values other than <c>:exact</c>): accents removed (NFD, then
/// non-spacing marks dropped), lower-cased (invariant culture), runs of whitespace collapsed to one space, trimmed.
/// </summary>
public static class StringNormalizer
{
    public static string Normalize(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        var decomposed = value.Normalize(NormalizationForm.FormD);
        var result = new StringBuilder(decomposed.Length);
        var pendingSpace = false;
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = result.Length > 0;
                continue;
            }
            if (pendingSpace) result.Append(' ');
            pendingSpace = false;
            result.Append(char.ToLowerInvariant(c));
        }
        return result.ToString().Normalize(NormalizationForm.FormC);
    }
}
