using Hl7.Fhir.Model;
using ItemType = Hl7.Fhir.Model.Questionnaire.QuestionnaireItemType;

namespace FhirPortal.Core.Forms;

/// <summary>
/// Answer values as R4 ties them to item types (Questionnaire.item.type, QuestionnaireResponse.item.answer.value[x]),
/// and how two values compare (for enableWhen and answerOption).
/// </summary>
internal static class AnswerValues
{
    /// <summary>The FHIR type names an item of <paramref name="type"/> is answered with (null: takes no answers).</summary>
    public static string[]? AllowedTypes(ItemType? type, IEnumerable<DataType> optionValues) => type switch
    {
        ItemType.Boolean => ["boolean"],
        ItemType.Decimal => ["decimal"],
        ItemType.Integer => ["integer"],
        ItemType.Date => ["date"],
        ItemType.DateTime => ["dateTime"],
        ItemType.Time => ["time"],
        ItemType.String or ItemType.Text => ["string"],
        ItemType.Url => ["uri"],
        // R4: choice answers are Codings, or whatever type the answerOptions are given in (integer, date, time, string, Reference).
        ItemType.Choice => OptionTypes(optionValues, ["Coding"]),
        ItemType.OpenChoice => [.. OptionTypes(optionValues, ["Coding"]).Append("string").Distinct()],
        ItemType.Attachment => ["Attachment"],
        ItemType.Reference => ["Reference"],
        ItemType.Quantity => ["Quantity"],
        _ => null,
    };

    private static string[] OptionTypes(IEnumerable<DataType> values, string[] fallback)
    {
        var types = values.Select(v => v.TypeName).Distinct().ToArray();
        return types.Length > 0 ? types : fallback;
    }

    /// <summary>Whether two answer values are the same answer (Codings by system and code, References by reference).</summary>
    public static bool Same(DataType? a, DataType? b) => (a, b) switch
    {
        (Coding x, Coding y) => x.Code == y.Code && (x.System is null || y.System is null || x.System == y.System),
        (ResourceReference x, ResourceReference y) => x.Reference == y.Reference,
        (Quantity, Quantity) => Compare(a, b) == 0,
        (Integer or FhirDecimal, Integer or FhirDecimal) => Compare(a, b) == 0,
        (PrimitiveType x, PrimitiveType y) => x.TypeName == y.TypeName && x.ToString() == y.ToString(),
        _ => false,
    };

    /// <summary>The order of two values of comparable types (numbers, quantities in one unit, dates, times, strings); null: not comparable.</summary>
    public static int? Compare(DataType? a, DataType? b)
    {
        switch (a, b)
        {
            case (Integer or FhirDecimal, Integer or FhirDecimal):
                return Number(a).CompareTo(Number(b));
            case (Quantity x, Quantity y) when x.Value is { } xv && y.Value is { } yv && (x.Code ?? x.Unit) == (y.Code ?? y.Unit):
                return xv.CompareTo(yv);
            case (Date or FhirDateTime, Date or FhirDateTime):
                var (left, right) = (Instant(a), Instant(b));
                return left is null || right is null ? null : left.Value.CompareTo(right.Value);
            case (Time x, Time y):
                return string.CompareOrdinal(x.Value, y.Value);
            case (FhirString x, FhirString y):
                return string.CompareOrdinal(x.Value, y.Value);
            default:
                return null;
        }
    }

    /// <summary>The length of an answer for <c>maxLength</c> (string-like answers only).</summary>
    public static int? Length(DataType value) => value switch
    {
        FhirString s => s.Value?.Length,
        FhirUri u => u.Value?.Length,
        _ => null,
    };

    private static decimal Number(DataType value) => value switch
    {
        Integer i => i.Value ?? 0,
        FhirDecimal d => d.Value ?? 0,
        _ => 0,
    };

    // Dates compare as the start of their period; a date or dateTime without time zone counts as UTC.
    private static DateTimeOffset? Instant(DataType value)
    {
        var text = (value as PrimitiveType)?.ToString();
        if (text is null) return null;
        text = text.Length switch { 4 => text + "-01-01", 7 => text + "-01", _ => text };
        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null;
    }

    /// <summary>A value for messages: a Coding's system|code, a primitive's text.</summary>
    public static string Describe(DataType? value) => value switch
    {
        null => "(none)",
        Coding c => $"{c.System}|{c.Code}",
        ResourceReference r => r.Reference ?? "(reference)",
        Quantity q => $"{q.Value} {q.Code ?? q.Unit}",
        PrimitiveType p => p.ToString() ?? "",
        _ => value.TypeName,
    };
}
