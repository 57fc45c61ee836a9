using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>Number parameter values with the implicit precision range of the value as written.</summary>
internal static class NumberValues
{
    public static void Add(List<NumberIndexValue> target, string param, Base value, int? group = null)
    {
        if (TryGetNumber(value) is not { } number) return;
        var (low, high) = PrecisionRange(number);
        target.Add(new(param, number, low, high, group));
    }

    public static decimal? TryGetNumber(Base value) => value switch
    {
        FhirDecimal d => d.Value,
        Integer i => i.Value,
        PositiveInt p => p.Value,
        UnsignedInt u => u.Value,
        Integer64 l => l.Value,
        _ => null,
    };

    /// <summary>Half a unit of the last written digit either side: 100 → [99.5, 100.5], 1.5 → [1.45, 1.55].</summary>
    public static (decimal Low, decimal High) PrecisionRange(decimal value)
    {
        var scale = (decimal.GetBits(value)[3] >> 16) & 0xFF;
        var half = 0.5m;
        for (var i = 0; i < scale; i++) half /= 10;
        // A decimal beyond System.Decimal's range is indexed as ±decimal.MaxValue (ExactDecimals): saturate, not overflow.
        var low = value < decimal.MinValue + 1 ? decimal.MinValue : value - half;
        var high = value > decimal.MaxValue - 1 ? decimal.MaxValue : value + half;
        return (low, high);
    }
}
