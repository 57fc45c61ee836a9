using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>
/// Quantity parameter values: Quantity and its specialisations, Money (currency as code), Range (low..high), and
/// bare numbers; UCUM quantities also get their canonical form.
/// </summary>
internal static class QuantityValues
{
    public static void Add(List<QuantityIndexValue> target, string param, Base value, int? group = null)
    {
        switch (value)
        {
            case Quantity q when q.Value is { } v:
            {
                var (low, high) = NumberValues.PrecisionRange(v);
                string? canonicalCode = null;
                decimal? canonicalValue = null;
                if (q.System == UcumCanonical.System && UcumCanonical.TryCanonicalize(v, q.Code, out var cv, out var cc))
                {
                    canonicalCode = cc;
                    canonicalValue = cv;
                }
                target.Add(new(param, q.System, q.Code, q.Unit, v, low, high, canonicalCode, canonicalValue, group));
                break;
            }
            case Money m when m.Value is { } v:
            {
                var (low, high) = NumberValues.PrecisionRange(v);
                var currency = m.CurrencyElement?.JsonValue is null ? null : m.CurrencyElement.ToString();
                target.Add(new(param, "urn:iso:std:iso:4217", currency, currency, v, low, high, Group: group));
                break;
            }
            case Hl7.Fhir.Model.Range r when r.Low?.Value is not null || r.High?.Value is not null:
            {
                var bound = r.Low?.Value is not null ? r.Low : r.High!;
                var low = r.Low?.Value is { } lv ? NumberValues.PrecisionRange(lv).Low : decimal.MinValue;
                var high = r.High?.Value is { } hv ? NumberValues.PrecisionRange(hv).High : decimal.MaxValue;
                target.Add(new(param, bound.System, bound.Code, bound.Unit, bound.Value!.Value, low, high, Group: group));
                break;
            }
            default:
                if (NumberValues.TryGetNumber(value) is { } number)
                {
                    var (low, high) = NumberValues.PrecisionRange(number);
                    target.Add(new(param, null, null, null, number, low, high, Group: group));
                }
                break;
        }
    }
}
