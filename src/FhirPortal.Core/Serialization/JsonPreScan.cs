using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Serialization;

/// <summary>
/// One fast pass over the raw JSON before the SDK parses it. Everything the SDK would crash on or silently accept
/// is refused here with a clear location: malformed syntax, excessive nesting, a root that is not an object,
/// bytes that are not UTF-8, lone surrogates, control characters R4 forbids in strings and abstract resource types.
/// It also finds the numbers System.Decimal cannot reproduce, so their exact text can be kept.
/// </summary>
internal static class JsonPreScan
{
    /// <summary>Checks a request body; returns the numbers System.Decimal cannot reproduce (<see cref="ExactDecimals"/>).</summary>
    public static IReadOnlyList<JsonNumber> Check(ReadOnlySpan<byte> json, int maxDepth) => Scan(json, maxDepth, resourceRoot: true);

    /// <summary>Checks a JSON Patch document the same way (its root is an array, its values become FHIR content).</summary>
    public static void CheckPatch(ReadOnlySpan<byte> json, int maxDepth) => Scan(json, maxDepth, resourceRoot: false);

    private static IReadOnlyList<JsonNumber> Scan(ReadOnlySpan<byte> json, int maxDepth, bool resourceRoot)
    {
        var numbers = new List<JsonNumber>();
        if (!Utf8.IsValid(json))
            throw Structure("The body is not valid UTF-8; FHIR JSON is always UTF-8 encoded.");
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        var location = new JsonLocation();
        try
        {
            while (reader.Read())
            {
                if (resourceRoot && location.Depth == 0 && reader.TokenType != JsonTokenType.StartObject)
                    throw Structure("The JSON body must be an object (a FHIR resource), not a JSON " + Describe(reader.TokenType) + ".");
                location.Enter(ref reader);
                if (reader.TokenType == JsonTokenType.String) CheckString(ref reader, location);
                else if (reader.TokenType == JsonTokenType.Number) AddIfInexact(ref reader, location, numbers);
            }
        }
        catch (JsonException e)
        {
            var tooDeep = e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase);
            var message = tooDeep
                ? $"The JSON body nests deeper than the allowed {maxDepth} levels."
                : $"The body is not valid JSON: {e.Message}";
            throw Structure(message);
        }
        return numbers;
    }

    /// <summary>The numbers of JSON the server wrote itself (already checked) that System.Decimal cannot reproduce.</summary>
    public static IReadOnlyList<JsonNumber> InexactNumbers(ReadOnlySpan<byte> json)
    {
        // Stored reads are a hot path and almost no resource has such a number: look for one first without tracking
        // locations (which decodes every property name), and track them only when there is one.
        if (!HasInexactNumber(json)) return [];
        var numbers = new List<JsonNumber>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 1024 });
        var location = new JsonLocation();
        while (reader.Read())
        {
            location.Enter(ref reader);
            if (reader.TokenType == JsonTokenType.Number) AddIfInexact(ref reader, location, numbers);
        }
        return numbers;
    }

    private static bool HasInexactNumber(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 1024 });
        while (reader.Read())
            if (reader.TokenType == JsonTokenType.Number && !ExactDecimals.Reproduces(reader.ValueSpan)) return true;
        return false;
    }

    private static void AddIfInexact(ref Utf8JsonReader reader, JsonLocation location, List<JsonNumber> numbers)
    {
        if (!ExactDecimals.Reproduces(reader.ValueSpan))
            numbers.Add(new JsonNumber(Encoding.ASCII.GetString(reader.ValueSpan), [.. location.Segments()]));
    }

    private static void CheckString(ref Utf8JsonReader reader, JsonLocation location)
    {
        // Unescaped text is valid UTF-8 (checked above) without control characters (JSON forbids them raw).
        if (!reader.ValueIsEscaped && location.PropertyName is not "resourceType") return;
        string value;
        try
        {
            value = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate (\ud800) has no Unicode character, so no FHIR string can hold it.
            throw FhirOutcomeException.BadRequest($"The string at {location} has an invalid \\u escape (a lone UTF-16 surrogate).", location.ToString());
        }
        // R4 string: no characters below U+0020 other than tab, carriage return and line feed (datatypes.html#string).
        foreach (var c in value)
        {
            if (c < ' ' && c is not ('\t' or '\r' or '\n'))
                throw FhirOutcomeException.BadRequest(
                    $"The string at {location} contains the control character U+{(int)c:X4}, which FHIR strings may not hold.", location.ToString());
        }
        if (location.PropertyName is "resourceType")
        {
            if (location.Depth == 1) location.SetRootType(value);
            if (ResourceTypeNames.IsAbstract(value)) throw ResourceTypeNames.AbstractType(value, location.ToString(), location.ToString());
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array (a JSON Patch is sent as application/json-patch+json)",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        _ => "null",
    };

    private static FhirOutcomeException Structure(string message) =>
        new(400, Outcomes.Error(OperationOutcome.IssueType.Structure, message));
}
