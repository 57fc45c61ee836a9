using System.Globalization;
using System.Text.Json.Nodes;

namespace FhirPortal.Core.Patching;

/// <summary>An RFC 6901 JSON Pointer, resolved against <see cref="JsonNode"/> trees.</summary>
internal sealed class JsonPointer
{
    private readonly string text;
    private readonly string[] tokens;

    private JsonPointer(string text, string[] tokens)
    {
        this.text = text;
        this.tokens = tokens;
    }

    public bool IsRoot => tokens.Length == 0;

    /// <summary>The reference token of the target within its parent (not meaningful for the root).</summary>
    public string Last => tokens[^1];

    public static JsonPointer? TryParse(string text)
    {
        if (text.Length == 0) return new JsonPointer(text, []);
        if (text[0] != '/') return null;
        var tokens = text[1..].Split('/');
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            for (var j = 0; j < token.Length; j++)
                if (token[j] == '~' && (j + 1 == token.Length || token[j + 1] is not ('0' or '1')))
                    return null;
            // RFC 6901 §4: '~1' first, then '~0', so that "~01" becomes "~1" and not "/".
            tokens[i] = token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
        }
        return new JsonPointer(text, tokens);
    }

    public bool IsProperPrefixOf(JsonPointer other) =>
        tokens.Length < other.tokens.Length && tokens.SequenceEqual(other.tokens.Take(tokens.Length));

    public bool SameAs(JsonPointer other) => tokens.SequenceEqual(other.tokens);

    /// <summary>Finds the target; false when any step of the way is missing. A JSON null target is found as null.</summary>
    public bool TryResolve(JsonNode? root, out JsonNode? node) => TryWalk(root, tokens.Length, out node);

    public bool TryResolveParent(JsonNode? root, out JsonNode? parent) => TryWalk(root, tokens.Length - 1, out parent);

    private bool TryWalk(JsonNode? root, int steps, out JsonNode? node)
    {
        node = root;
        for (var i = 0; i < steps; i++)
        {
            switch (node)
            {
                case JsonObject obj when obj.TryGetPropertyValue(tokens[i], out var child):
                    node = child;
                    break;
                case JsonArray array when TryIndex(tokens[i], array.Count, out var index):
                    node = array[index];
                    break;
                default:
                    node = null;
                    return false;
            }
        }
        return true;
    }

    /// <summary>Reads an array index token: decimal digits without leading zeros, below <paramref name="limit"/>.</summary>
    public static bool TryIndex(string token, int limit, out int index)
    {
        index = -1;
        if (token.Length is 0 or > 9 || token.Length > 1 && token[0] == '0' || !token.All(char.IsAsciiDigit))
            return false;
        index = int.Parse(token, CultureInfo.InvariantCulture);
        return index < limit;
    }

    public override string ToString() => text;
}
