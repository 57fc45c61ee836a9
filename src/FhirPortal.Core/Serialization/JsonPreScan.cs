using System.Text.Json;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Serialization;

/// <summary>
/// One fast pass over the raw JSON before the SDK parses it: malformed syntax and excessive nesting get a clear
/// location, and numbers that a FHIR decimal cannot hold exactly are refused instead of being silently rounded.
/// </summary>
internal static class JsonPreScan
{
    private const int MaxSignificantDigits = 28;

    public static void Check(ReadOnlySpan<byte> json, int maxDepth)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.Number && !Representable(ref reader))
                    throw FhirOutcomeException.BadRequest(
                        $"The number {System.Text.Encoding.UTF8.GetString(reader.ValueSpan)} at byte {reader.TokenStartIndex} " +
                        $"is outside the range or precision this server stores exactly ({MaxSignificantDigits} significant digits).");
            }
        }
        catch (JsonException e)
        {
            var tooDeep = e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase);
            var message = tooDeep
                ? $"The JSON body nests deeper than the allowed {maxDepth} levels."
                : $"The body is not valid JSON: {e.Message}";
            throw new FhirOutcomeException(400, Outcomes.Error(OperationOutcome.IssueType.Structure, message));
        }
    }

    private static bool Representable(ref Utf8JsonReader reader)
    {
        if (!reader.TryGetDecimal(out var value)) return false;
        var significant = 0;
        var leading = true;
        var nonZero = false;
        foreach (var b in reader.ValueSpan)
        {
            if (b is (byte)'e' or (byte)'E') break;
            if (b is < (byte)'0' or > (byte)'9') continue;
            if (b != (byte)'0') nonZero = true;
            if (leading && b == (byte)'0') continue;
            leading = false;
            significant++;
        }
        return significant <= MaxSignificantDigits && (value != 0 || !nonZero);
    }
}
