using System.Globalization;
using Hl7.Fhir.Model;

namespace FhirPortal.PatientPortal.Fhir;

/// <summary>One measured series over time (e.g. systolic pressure), oldest first.</summary>
public sealed record TrendSeries(string Name, IReadOnlyList<(DateTimeOffset When, decimal Value)> Points);

/// <summary>
/// A line chart drawn on the server as SVG (no script): the layout maths for the <c>_TrendChart</c> partial. Time runs
/// left to right over the span of the points; values are scaled between their minimum and maximum with some headroom.
/// </summary>
public sealed class TrendChart(string id, string title, string unit, IReadOnlyList<TrendSeries> series)
{
    public const int Width = 640, Height = 260, Left = 56, Right = 16, Top = 16, Bottom = 40;

    public string Id { get; } = id;
    public string Title { get; } = title;
    public string Unit { get; } = unit;
    public IReadOnlyList<TrendSeries> Series { get; } = series;

    public bool IsEmpty => Series.All(s => s.Points.Count == 0);
    private IEnumerable<(DateTimeOffset When, decimal Value)> All => Series.SelectMany(s => s.Points);

    private DateTimeOffset First => All.Min(p => p.When);
    private DateTimeOffset Last => All.Max(p => p.When);

    private decimal Min => Math.Floor(All.Min(p => p.Value) - Headroom);
    private decimal Max => Math.Ceiling(All.Max(p => p.Value) + Headroom);
    private decimal Headroom => Math.Max(1, (All.Max(p => p.Value) - All.Min(p => p.Value)) / 10);

    public string X(DateTimeOffset when)
    {
        var span = (Last - First).TotalSeconds;
        var fraction = span <= 0 ? 0.5 : (when - First).TotalSeconds / span;
        return Format(Left + fraction * (Width - Left - Right));
    }

    public string Y(decimal value)
    {
        var range = (double)(Max - Min);
        var fraction = range <= 0 ? 0.5 : (double)(value - Min) / range;
        return Format(Height - Bottom - fraction * (Height - Top - Bottom));
    }

    public string Polyline(TrendSeries s) => string.Join(' ', s.Points.Select(p => $"{X(p.When)},{Y(p.Value)}"));

    /// <summary>Labels of the value axis: minimum, middle, maximum.</summary>
    public IEnumerable<decimal> ValueTicks => [Min, Math.Round((Min + Max) / 2, 1), Max];

    /// <summary>Labels of the time axis: the first and the last date, anchored so neither runs off the chart.</summary>
    public IEnumerable<(DateTimeOffset When, string Anchor)> TimeTicks => First == Last ? [(First, "middle")] : [(First, "start"), (Last, "end")];

    public static string Number(decimal value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Format(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>The (time, value) points of quantity-valued Observations, or of one component of them, oldest first.</summary>
    public static List<(DateTimeOffset When, decimal Value)> Points(IEnumerable<Observation> observations, string? componentCode = null) =>
        observations
            .Select(o => (When: Display.Effective(o.Effective), Value: componentCode is null
                ? o.Value as Quantity
                : o.Component.FirstOrDefault(c => c.Code.Coding.Any(x => x.Code == componentCode))?.Value as Quantity))
            .Where(p => p.When is not null && p.Value?.Value is not null
                        && DateTimeOffset.TryParse(p.When, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
            .Select(p => (DateTimeOffset.Parse(p.When!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal), p.Value!.Value!.Value))
            .OrderBy(p => p.Item1)
            .ToList();
}
