using System.Globalization;
using Fhir.Metrics;

namespace FhirPortal.Search;

/// <summary>
/// Converts UCUM quantities to canonical base units (e.g. 126 mg/dL → 1.26 g.m-3), so quantities written in
/// different but convertible units index and compare as one. Codes UCUM cannot parse stay as written.
/// </summary>
public static class UcumCanonical
{
    public const string System = "http://unitsofmeasure.org";
    private static readonly Lazy<SystemOfUnits> Units = new(UCUM.Load);

    public static bool TryCanonicalize(decimal value, string? code, out decimal canonicalValue, out string canonicalCode)
    {
        canonicalValue = 0;
        canonicalCode = "";
        if (string.IsNullOrWhiteSpace(code)) return false;
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
