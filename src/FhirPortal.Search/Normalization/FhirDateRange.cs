using System.Globalization;
using System.Text.RegularExpressions;

namespace FhirPortal.Search;

/// <summary>
/// A FHIR date, dateTime or instant read as the half-open span it denotes at its precision:
/// "2024" is [2024-01-01, 2025-01-01); a date without a zone is taken as UTC.
/// </summary>
public readonly record struct FhirDateRange(DateTimeOffset Start, DateTimeOffset End)
{
    private static readonly Regex Syntax = new(
        @"^(?<y>\d{4})(-(?<m>\d{2})(-(?<d>\d{2})(T(?<h>\d{2}):(?<mi>\d{2})(:(?<s>\d{2})(?<f>\.\d+)?)?(?<z>Z|[+-]\d{2}:\d{2})?)?)?)?$",
        RegexOptions.Compiled | RegexOptions.CultureInvariant);

    public static bool TryParse(string value, out FhirDateRange range)
    {
        range = default;
        var m = Syntax.Match(value.Trim());
        if (!m.Success) return false;
        try
        {
            int Part(string name, int fallback) => m.Groups[name].Success ? int.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture) : fallback;
            if (!TryOffset(m.Groups["z"], out var offset)) return false;
            // Exact integer ticks: a double (0.123 * 10^7 = 1229999.99...) would land one tick before the instant.
            var fractionTicks = m.Groups["f"].Success ? FractionTicks(m.Groups["f"].Value) : 0;
            var start = new DateTimeOffset(Part("y", 1), Part("m", 1), Part("d", 1), Part("h", 0), Part("mi", 0), Part("s", 0), offset)
                .AddTicks(fractionTicks);
            var end = m.Groups["f"].Success ? start.AddTicks(1)
                : m.Groups["s"].Success ? start.AddSeconds(1)
                : m.Groups["mi"].Success ? start.AddMinutes(1)
                : m.Groups["d"].Success ? start.AddDays(1)
                : m.Groups["m"].Success ? start.AddMonths(1)
                : start.AddYears(1);
            range = new FhirDateRange(start.ToUniversalTime(), end.ToUniversalTime());
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>
    /// The zone as an offset; FHIR's syntax allows hours up to 14 and minutes up to 59 (a wider offset, e.g. +24:00,
    /// is no valid dateTime and must not reach TimeSpan or DateTimeOffset, which throw on it).
    /// </summary>
    private static bool TryOffset(Group zone, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        if (!zone.Success || zone.Value == "Z") return true;
        var hours = int.Parse(zone.Value.AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture);
        var minutes = int.Parse(zone.Value.AsSpan(4, 2), NumberStyles.None, CultureInfo.InvariantCulture);
        if (minutes > 59 || hours > 14 || (hours == 14 && minutes > 0)) return false;
        offset = new TimeSpan(hours, minutes, 0) * (zone.Value[0] == '-' ? -1 : 1);
        return true;
    }

    /// <summary>Ticks of a fraction of a second given by its digits after the point ("123" → 1,230,000); digits past 100 ns are dropped.</summary>
    private static long FractionTicks(string digits)
    {
        var seven = digits.TrimStart('.').PadRight(7, '0')[..7];
        return long.Parse(seven, NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
