using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>Date parameter values as UTC half-open spans: date/dateTime/instant at their precision, Period, Timing.</summary>
internal static class DateValues
{
    public static void Add(List<DateIndexValue> target, string param, Base value, int? group = null)
    {
        switch (value)
        {
            case Date or FhirDateTime or Instant:
                if (Range((PrimitiveType)value) is { } r) target.Add(new(param, r.Start, r.End, group));
                break;
            case Period period:
                AddPeriod(target, param, period, group);
                break;
            case Timing timing:
                foreach (var e in timing.EventElement)
                    if (Range(e) is { } er) target.Add(new(param, er.Start, er.End, group));
                if (timing.Repeat?.Bounds is Period bounds) AddPeriod(target, param, bounds, group);
                break;
        }
    }

    private static void AddPeriod(List<DateIndexValue> target, string param, Period period, int? group)
    {
        var start = Range(period.StartElement);
        var end = Range(period.EndElement);
        if (start is null && end is null) return;
        target.Add(new(param, start?.Start ?? DateTimeOffset.MinValue, end?.End ?? DateTimeOffset.MaxValue, group));
    }

    private static FhirDateRange? Range(PrimitiveType? primitive)
    {
        if (primitive?.JsonValue is null) return null;
        return FhirDateRange.TryParse(primitive.ToString()!, out var range) ? range : null;
    }
}
