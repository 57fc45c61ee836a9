using System.Collections.Concurrent;
using System.Globalization;
using Fhir.Metrics;

namespace FhirPortal.Search;

/// <summary>
/// Converts UCUM quantities to canonical base units (e.g. 126 mg/dL → 1260 g.m-3), so quantities written in
/// different but convertible units index and compare as one. Codes UCUM cannot parse stay as written.
/// </summary>
public static class UcumCanonical
{
    public const string System = "http://unitsofmeasure.org";
    private static readonly Lazy<SystemOfUnits> Units = new(UCUM.Load);

    /// <summary>
    /// What the library made of each unit code. Canonicalising is slow (it dominated ingest profiles: every vital sign
    /// and lab value has a quantity) while a portal's data uses a few dozen units, so each code is converted once and
    /// later values are scaled by the cached factor. Codes whose conversion is not a pure scale go to the library each time.
    /// </summary>
    private static readonly ConcurrentDictionary<string, UnitConversion> Conversions = new(StringComparer.Ordinal);

    private sealed record UnitConversion(bool Convertible, decimal? Factor, string CanonicalCode);

    public static bool TryCanonicalize(decimal value, string? code, out decimal canonicalValue, out string canonicalCode)
    {
        canonicalValue = 0;
        canonicalCode = "";
        if (string.IsNullOrWhiteSpace(code)) return false;
        var conversion = Conversions.GetOrAdd(code, Learn);
        if (!conversion.Convertible) return false;
        if (conversion.Factor is not { } factor) return Convert(value, code, out canonicalValue, out canonicalCode);
        try
        {
            canonicalValue = value * factor;
        }
        catch (OverflowException)
        {
            return false;
        }
        canonicalCode = conversion.CanonicalCode;
        return true;
    }

    private static UnitConversion Learn(string code)
    {
        if (!Convert(1m, code, out var one, out var canonicalCode)) return new UnitConversion(false, null, "");
        // A pure scale maps 0 to 0 and 2 to twice 1; anything else (an offset) is never cached as a factor.
        var linear = Convert(0m, code, out var zero, out _) && zero == 0m
                     && Convert(2m, code, out var two, out _) && two == 2m * one;
        return new UnitConversion(true, linear ? one : null, canonicalCode);
    }

    private static bool Convert(decimal value, string code, out decimal canonicalValue, out string canonicalCode)
    {
        canonicalValue = 0;
        canonicalCode = "";
        try
        {
            var quantity = Units.Value.Quantity(value.ToString(CultureInfo.InvariantCulture), code);
            var canonical = Units.Value.Canonical(quantity);
            canonicalValue = canonical.Value.ToDecimal();
            canonicalCode = canonical.Metric.ToString();
            return true;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or OverflowException or KeyNotFoundException or InvalidCastException)
        {
            return false;
        }
    }
}
