using System.Globalization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Serialization;

/// <summary>A number (JSON, or an XML value attribute) whose text System.Decimal does not reproduce, and where it sits (names and indexes).</summary>
internal sealed record JsonNumber(string Text, IReadOnlyList<object> Segments);

/// <summary>The exact text of a decimal, kept beside the System.Decimal the SDK's FhirDecimal holds.</summary>
public sealed record ExactDecimal(string Text, decimal Approximation);

/// <summary>
/// R4 decimals have arbitrary precision and range, and their text is their value (1.5E3 is not written 1500).
/// The SDK's FhirDecimal holds a System.Decimal (28 digits, ±7.9E28), or, for a number beyond it, the text as a
/// string that its <c>Value</c> getter then throws on. So every decimal whose text System.Decimal does not
/// reproduce holds the closest System.Decimal (rounded; beyond the range, ±decimal.MaxValue) for search indexing
/// and validation, and an <see cref="ExactDecimal"/> annotation that the JSON serializer writes instead.
/// </summary>
public static class ExactDecimals
{
    /// <summary>True when System.Decimal writes the number exactly as the JSON text has it.</summary>
    internal static bool Reproduces(ReadOnlySpan<byte> text)
    {
        Span<byte> written = stackalloc byte[64]; // a System.Decimal never needs more than 32
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
               && value.TryFormat(written, out var length, default, CultureInfo.InvariantCulture)
               && written[..length].SequenceEqual(text);
    }

    /// <summary>Puts the exact text on each decimal element the numbers sit in (other elements are left to the parser's checks).</summary>
    internal static void Restore(Resource resource, IReadOnlyList<JsonNumber> numbers)
    {
        foreach (var number in numbers)
        {
            if (PocoPath.Find(resource, number.Segments) is not FhirDecimal element) continue;
            var approximation = Approximate(number.Text);
            element.Value = approximation;
            element.RemoveAnnotations(typeof(ExactDecimal));
            element.AddAnnotation(new ExactDecimal(number.Text, approximation));
        }
    }

    /// <summary>The exact text, if the element still holds the value it was parsed with.</summary>
    public static string? ExactText(FhirDecimal element) =>
        element.Annotations(typeof(ExactDecimal)).OfType<ExactDecimal>().FirstOrDefault() is { } exact
        && element.JsonValue is decimal current && current == exact.Approximation
        && current.Scale == exact.Approximation.Scale
            ? exact.Text
            : null;

    /// <summary>Whether the parser's "not the right type of literal for a decimal" issue is about one of these numbers.</summary>
    internal static bool Explains(IReadOnlyList<JsonNumber> numbers, string issueMessage) =>
        issueMessage.Contains("for a decimal", StringComparison.Ordinal)
        && numbers.Any(n => issueMessage.Contains($"'{n.Text}'", StringComparison.Ordinal));

    private static decimal Approximate(string text)
    {
        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return value;
        // Too large for System.Decimal (a too small one parses, rounded towards zero).
        return text.StartsWith('-') ? decimal.MinValue : decimal.MaxValue;
    }
}
