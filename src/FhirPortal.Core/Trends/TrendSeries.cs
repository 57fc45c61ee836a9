using FhirPortal.Search;

namespace FhirPortal.Core.Trends;

/// <summary>
/// The values of one code (one sampled-data dimension) in one family of convertible units, expressed in the unit of
/// the most recent value: UCUM converts kg and [lb_av], Cel and [degF], mg/dL and g/L; units UCUM cannot relate
/// (mg/dL and mmol/L need a molar mass) form separate series. Values without a UCUM unit group by their unit text.
/// </summary>
public sealed record TrendSeries(CodeValue Code, int Dimension, int Dimensions, string? UnitSystem, string? UnitCode, string? Unit,
    IReadOnlyList<(DateTimeOffset Time, decimal Value)> Values)
{
    /// <summary>Groups the values into series and converts each series to its newest value's unit.</summary>
    public static List<TrendSeries> From(IEnumerable<MeasuredValue> values) =>
        values.GroupBy(v => (v.Code.Key, v.Dimension, Family(v)))
            .Select(group =>
            {
                var ordered = group.OrderBy(v => v.Time).ToList();
                var target = ordered[^1];
                var converted = ordered.Select(v => (v.Time, Value: Convert(v, target)))
                    .Where(v => v.Value is not null).Select(v => (v.Time, v.Value!.Value)).ToList();
                return new TrendSeries(target.Code, target.Dimension, target.Dimensions, target.UnitSystem, target.UnitCode, target.Unit, converted);
            })
            .OrderBy(s => s.Code.Key, StringComparer.Ordinal).ThenBy(s => s.Dimension).ThenBy(s => s.UnitCode, StringComparer.Ordinal)
            .ToList();

    /// <summary>Which values can be compared: the UCUM canonical unit, else the unit as written.</summary>
    private static string Family(MeasuredValue value) =>
        IsUcum(value) && UcumCanonical.TryCanonicalize(1m, value.UnitCode, out _, out var canonical)
            ? "ucum:" + canonical
            : "text:" + (value.UnitCode ?? value.Unit ?? "");

    private static bool IsUcum(MeasuredValue value) => value.UnitSystem is null or UcumCanonical.System && value.UnitCode is not null;

    /// <summary>
    /// <paramref name="value"/> in <paramref name="target"/>'s unit, through canonical units; the conversion may be
    /// affine (Cel), so the target's 0 and 1 are both mapped: v = (c(v) − c(0)) / (c(1) − c(0)).
    /// </summary>
    /// A value too large to convert is left out (null) rather than counted wrongly.
    private static decimal? Convert(MeasuredValue value, MeasuredValue target)
    {
        if (value.UnitCode == target.UnitCode || !IsUcum(value)) return value.Value;
        if (!UcumCanonical.TryCanonicalize(value.Value, value.UnitCode, out var canonical, out _)
            || !UcumCanonical.TryCanonicalize(0m, target.UnitCode, out var zero, out _)
            || !UcumCanonical.TryCanonicalize(1m, target.UnitCode, out var one, out _)
            || one == zero) return null;
        try
        {
            return (canonical - zero) / (one - zero);
        }
        catch (OverflowException)
        {
            return null;
        }
    }
}
