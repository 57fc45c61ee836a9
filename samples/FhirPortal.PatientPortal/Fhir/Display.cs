using System.Globalization;
using Hl7.Fhir.Model;

namespace FhirPortal.PatientPortal.Fhir;

/// <summary>How FHIR values read on the pages: dates in the clinic's own offset, quantities with units, H/L flags.</summary>
public static class Display
{
    private static readonly CultureInfo Culture = CultureInfo.GetCultureInfo("en-US");

    /// <summary>A FHIR dateTime/instant as written (keeping its offset: the clinic's local time), e.g. "Mon, Mar 8, 2027 9:00 AM".</summary>
    public static string When(string? fhirDateTime)
    {
        if (string.IsNullOrEmpty(fhirDateTime)) return "";
        if (fhirDateTime.Length <= 10)
            return DateOnly.TryParse(fhirDateTime, CultureInfo.InvariantCulture, out var d) ? d.ToString("ddd, MMM d, yyyy", Culture) : fhirDateTime;
        return DateTimeOffset.TryParse(fhirDateTime, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? t.ToString("ddd, MMM d, yyyy h:mm tt", Culture)
            : fhirDateTime;
    }

    public static string When(DateTimeOffset? instant) => instant?.ToString("ddd, MMM d, yyyy h:mm tt", Culture) ?? "";

    /// <summary>The effective time of an observation or report: its dateTime, or the start of its period.</summary>
    public static string? Effective(DataType? effective) => effective switch
    {
        FhirDateTime d => d.Value,
        Period p => p.Start,
        Instant i => i.Value?.ToString("o", CultureInfo.InvariantCulture),
        _ => null,
    };

    public static string Day(string? fhirDateTime) =>
        DateTimeOffset.TryParse(fhirDateTime, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t.ToString("MMM d, yyyy", Culture) : fhirDateTime ?? "";

    public static string Quantity(Quantity? q) =>
        q?.Value is { } v ? $"{v.ToString(CultureInfo.InvariantCulture)} {q.Unit ?? q.Code}".TrimEnd() : "";

    /// <summary>An amount of money, e.g. "$120.00" or "120.00 EUR".</summary>
    public static string Money(Money? money)
    {
        if (money?.Value is not { } v) return "";
        var currency = Code(money.Currency);
        return currency is "USD" or "" ? v.ToString("C", Culture) : $"{v.ToString("N2", Culture)} {currency}";
    }

    public static string Value(DataType? value) => value switch
    {
        Quantity q => Quantity(q),
        CodeableConcept c => Text(c),
        FhirString s => s.Value ?? "",
        null => "",
        _ => value.ToString() ?? "",
    };

    public static string Text(CodeableConcept? concept) =>
        concept?.Text ?? concept?.Coding.FirstOrDefault(c => c.Display is not null)?.Display ?? concept?.Coding.FirstOrDefault()?.Code ?? "";

    public static string Range(IEnumerable<Observation.ReferenceRangeComponent> ranges)
    {
        var r = ranges.FirstOrDefault();
        if (r is null) return "";
        if (r.Text is { } text) return text;
        return (r.Low, r.High) switch
        {
            ({ } low, { } high) => $"{low.Value?.ToString(CultureInfo.InvariantCulture)}–{Quantity(high)}",
            (null, { } high) => $"below {Quantity(high)}",
            ({ } low, null) => $"above {Quantity(low)}",
            _ => "",
        };
    }

    /// <summary>The v3 ObservationInterpretation code (H, L, HH, LL, A...), or null for normal or none.</summary>
    public static string? Flag(IEnumerable<CodeableConcept> interpretation)
    {
        var code = interpretation.SelectMany(i => i.Coding).FirstOrDefault(c => c.System == "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation")?.Code;
        return code is null or "N" ? null : code;
    }

    public static string FlagLabel(string flag) => flag switch
    {
        "H" => "High", "L" => "Low", "HH" => "Critically high", "LL" => "Critically low", "A" => "Abnormal", "AA" => "Critically abnormal", _ => flag,
    };

    /// <summary>The FHIR code of an enum value (e.g. <c>booked</c>), for CSS classes.</summary>
    public static string Code<T>(T? value) where T : struct, Enum => value is { } v ? Hl7.Fhir.Utility.EnumUtility.GetLiteral(v) ?? "" : "";

    /// <summary>A participant's name from the reference display, or the directory of names the page loaded.</summary>
    public static string Actor(ResourceReference? actor, IReadOnlyDictionary<string, string>? names = null) =>
        actor is null ? "" : actor.Display ?? (actor.Reference is { } r && names?.GetValueOrDefault(r) is { } n ? n : actor.Reference ?? "");

    public static string Name(IEnumerable<HumanName> names)
    {
        var n = names.FirstOrDefault();
        if (n is null) return "";
        return n.Text ?? string.Join(' ', n.Prefix.Concat(n.Given).Append(n.Family).Where(p => !string.IsNullOrEmpty(p)));
    }
}
