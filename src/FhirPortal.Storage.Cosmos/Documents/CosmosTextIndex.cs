using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FhirPortal.Search;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Full-text index for <c>_text</c>/<c>_content</c> in the current document, with the SQLite store's FTS5 semantics
/// (unicode61 tokenizer, remove_diacritics 2, each query word a phrase, all words required, a phrase matching in any
/// column): the text as its normalised tokens joined by single spaces and padded with one ("tx" = " w1 w2 … "), so a
/// query word's tokens match as a phrase with CONTAINS(tx, " t1 t2 "), whole tokens only. The content ends with the
/// narrative (see TextContent), so "txo" marks where the narrative's tokens start instead of storing them twice; when
/// the narrative is not such a suffix it follows the content after a "|", which no phrase contains, so no phrase
/// spans the two. The text is excluded from the range index (CONTAINS scans it anyway).
/// </summary>
internal static class CosmosTextIndex
{
    public const string Text = "tx";
    public const string NarrativeOffset = "txo";

    public static void Write(ResourceIndex index, JsonObject json)
    {
        var content = Tokens(index.Content);
        var narrative = Tokens(index.Narrative);
        var suffix = narrative.Count <= content.Count && content.TakeLast(narrative.Count).SequenceEqual(narrative, StringComparer.Ordinal);
        var text = suffix ? Padded(content) : Padded([.. content, "|", .. narrative]);
        json[Text] = text;
        json[NarrativeOffset] = text.Length - Padded(narrative).Length;
    }

    /// <summary>The phrases a query needs (one per whitespace-separated word); words without any token are ignored, as FTS5 does.</summary>
    public static IReadOnlyList<string> Phrases(string query) =>
        query.Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)
            .Select(Tokens).Where(t => t.Count > 0).Select(Padded).ToList();

    /// <summary>FTS5 unicode61 tokens: runs of letters, digits and private-use characters, case-folded without diacritics.</summary>
    public static List<string> Tokens(string? text)
    {
        var tokens = new List<string>();
        if (string.IsNullOrEmpty(text)) return tokens;
        var current = new StringBuilder();
        foreach (var c in StringNormalizer.Normalize(text).Normalize(NormalizationForm.FormD))
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category == UnicodeCategory.NonSpacingMark) continue;
            if (char.IsLetterOrDigit(c) || category is UnicodeCategory.PrivateUse or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber)
            {
                current.Append(c);
                continue;
            }
            if (current.Length > 0) tokens.Add(current.ToString().Normalize(NormalizationForm.FormC));
            current.Clear();
        }
        if (current.Length > 0) tokens.Add(current.ToString().Normalize(NormalizationForm.FormC));
        return tokens;
    }

    private static string Padded(IReadOnlyCollection<string> tokens) => tokens.Count == 0 ? " " : " " + string.Join(' ', tokens) + " ";
}
