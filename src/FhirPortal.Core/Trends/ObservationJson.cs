using System.Globalization;
using System.Text.Json;
using FhirPortal.Search;

namespace FhirPortal.Core.Trends;

/// <summary>A coded value to look for: a code, with or without its system.</summary>
public sealed record CodeFilter(string? System, string Code)
{
    public bool Matches(CodeValue coding) => coding.Code == Code && (System is null || coding.System == System);
}

/// <summary>One coding of an Observation's or component's code.</summary>
public sealed record CodeValue(string? System, string? Code, string? Display)
{
    public string Key => $"{System}|{Code}";
}

/// <summary>
/// One measured number: the code it measures (the Observation's or the component's first coding), which dimension of
/// sampled data it is (0 of 1 otherwise), its value and UCUM unit, and when it was measured.
/// </summary>
public sealed record MeasuredValue(CodeValue Code, int Dimension, int Dimensions, decimal Value, string? UnitSystem, string? UnitCode, string? Unit, DateTimeOffset Time);

/// <summary>
/// Reads what $lastn and $stats need straight from an Observation's stored JSON (no POCO: a trend reads thousands):
/// its first code, and its numbers from valueQuantity, valueSampledData (each sample a value at origin + factor × x,
/// timed by <c>period</c>, interleaved by <c>dimensions</c>) and the same in each component.
/// </summary>
public static class ObservationJson
{
    /// <summary>The first coding of Observation.code as <c>system|code</c>, or null without one.</summary>
    public static string? FirstCode(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        return Codings(document.RootElement).FirstOrDefault()?.Key;
    }

    /// <summary>
    /// The numbers of the Observation and its components that <paramref name="wanted"/> selects: a component is taken
    /// when its own code or the Observation's code is wanted (a blood-pressure panel gives its systolic and diastolic).
    /// </summary>
    public static List<MeasuredValue> Values(ReadOnlySpan<byte> json, Func<IReadOnlyList<CodeValue>, bool> wanted)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var values = new List<MeasuredValue>();
        if (Time(root) is not { } time) return values;
        var codes = Codings(root);
        var whole = wanted(codes);
        if (whole && codes.Count > 0) Add(root, codes[0], time, values);
        if (root.TryGetProperty("component", out var components) && components.ValueKind == JsonValueKind.Array)
            foreach (var component in components.EnumerateArray())
            {
                var own = Codings(component);
                if (own.Count > 0 && (whole || wanted(own))) Add(component, own[0], time, values);
            }
        return values;
    }

    private static void Add(JsonElement element, CodeValue code, DateTimeOffset time, List<MeasuredValue> values)
    {
        if (element.TryGetProperty("valueQuantity", out var quantity) && Decimal(quantity, "value") is { } value)
            values.Add(new MeasuredValue(code, 0, 1, value, Text(quantity, "system"), Text(quantity, "code"), Text(quantity, "unit"), time));
        else if (element.TryGetProperty("valueSampledData", out var sampled))
            Samples(sampled, code, time, values);
    }

    /// <summary>SampledData (R4 datatypes.html#SampledData): "E", "L" and "U" are no numbers and are skipped.</summary>
    private static void Samples(JsonElement sampled, CodeValue code, DateTimeOffset start, List<MeasuredValue> values)
    {
        if (!sampled.TryGetProperty("origin", out var origin) || Decimal(origin, "value") is not { } zero) return;
        var factor = Decimal(sampled, "factor") ?? 1m;
        var period = Decimal(sampled, "period") ?? 0m;
        var dimensions = sampled.TryGetProperty("dimensions", out var d) && d.TryGetInt32(out var n) && n > 0 ? n : 1;
        var data = Text(sampled, "data");
        if (data is null) return;
        var index = 0;
        foreach (var sample in data.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var (step, dimension) = Math.DivRem(index++, dimensions);
            if (!decimal.TryParse(sample, NumberStyles.Float, CultureInfo.InvariantCulture, out var x)) continue;
            if (SampleTime(start, period, step) is not { } time || Scaled(zero, factor, x) is not { } value) continue;
            values.Add(new MeasuredValue(code, dimension, dimensions, value, Text(origin, "system"), Text(origin, "code"), Text(origin, "unit"), time));
        }
    }

    /// <summary>start + period × step milliseconds, or null when that is no representable time (client data may be extreme).</summary>
    private static DateTimeOffset? SampleTime(DateTimeOffset start, decimal period, int step)
    {
        try
        {
            var ticks = period * step * TimeSpan.TicksPerMillisecond;
            var utc = start.UtcTicks + ticks;
            if (utc < DateTimeOffset.MinValue.UtcTicks || utc > DateTimeOffset.MaxValue.UtcTicks) return null;
            return new DateTimeOffset((long)utc, TimeSpan.Zero).ToOffset(start.Offset);
        }
        catch (Exception e) when (e is OverflowException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>origin + factor × x, or null when it overflows a decimal.</summary>
    private static decimal? Scaled(decimal origin, decimal factor, decimal x)
    {
        try { return origin + factor * x; }
        catch (OverflowException) { return null; }
    }

    /// <summary>When the Observation was made: effective[x] (a period's start), else issued.</summary>
    private static DateTimeOffset? Time(JsonElement root)
    {
        var text = Text(root, "effectiveDateTime") ?? Text(root, "effectiveInstant")
            ?? (root.TryGetProperty("effectivePeriod", out var period) ? Text(period, "start") : null) ?? Text(root, "issued");
        return text is not null && FhirDateRange.TryParse(text, out var range) ? range.Start : null;
    }

    private static List<CodeValue> Codings(JsonElement element) =>
        element.TryGetProperty("code", out var code) && code.TryGetProperty("coding", out var codings) && codings.ValueKind == JsonValueKind.Array
            ? codings.EnumerateArray().Select(c => new CodeValue(Text(c, "system"), Text(c, "code"), Text(c, "display"))).Where(c => c.Code is not null).ToList()
            : [];

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static decimal? Decimal(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
        && value.TryGetDecimal(out var number) ? number : null;
}
