using System.Text.Json.Nodes;
using FhirPortal.Search;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Embeds a resource's index values in its current document as one array per value type, so the document write is
/// atomic with its index and queries test them with EXISTS over the array. Field names are short to save request
/// units: p = parameter, g = composite group; instants are Unix milliseconds, numbers doubles. Sort keys
/// (<see cref="CosmosSortKeys"/>) and full-text tokens (<see cref="CosmosTextIndex"/>) sit beside the arrays.
/// </summary>
internal static class CosmosIndexJson
{
    public static readonly string[] Arrays = ["tok", "str", "dt", "num", "qty", "ref", "uri"];

    public static JsonObject Write(ResourceIndex index)
    {
        var json = new JsonObject
        {
            ["tok"] = Array(index.Tokens, t => Entry(t.Param, t.Group, ("s", t.System), ("c", t.Code),
                // :text matches word starts of the normalised display, as the SQLite store's token_index.text.
                ("t", t.Text is null ? null : StringNormalizer.Normalize(t.Text)))),
            ["str"] = Array(index.Strings, s => Entry(s.Param, s.Group, ("n", s.Normalized), ("e", s.Exact))),
            ["dt"] = Array(index.Dates, d => Entry(d.Param, d.Group, ("s", Ms(d.Start)), ("e", Ms(d.End)))),
            ["num"] = Array(index.Numbers, n => Entry(n.Param, n.Group, ("v", (double)n.Value), ("lo", (double)n.Low), ("hi", (double)n.High),
                ("ay", Asymmetric((double)n.Value, (double)n.Low, (double)n.High)))),
            ["qty"] = Array(index.Quantities, Quantity),
            ["ref"] = Array(index.References, r => Entry(r.Param, r.Group, ("tt", r.TargetType), ("ti", r.TargetId), ("u", r.Url),
                ("is", r.IdentifierSystem), ("iv", r.IdentifierValue))),
            ["uri"] = Array(index.Uris, u => Entry(u.Param, u.Group, ("v", u.Value))),
            ["cmp"] = new JsonArray(index.Compartments.Select(c => (JsonNode?)JsonValue.Create($"{c.CompartmentType}/{c.Id}")).ToArray()),
        };
        CosmosSortKeys.Write(index, json);
        CosmosTextIndex.Write(index, json);
        return json;
    }

    /// <summary>
    /// A quantity as written plus its canonical UCUM value with a precision range scaled by the conversion factor
    /// (cl/ch), computed in doubles exactly as the SQLite store's clow/chigh so both stores compare the same numbers.
    /// </summary>
    private static JsonObject Quantity(QuantityIndexValue q)
    {
        double? factor = q.CanonicalValue is { } cv && q.Value != 0 ? (double)cv / (double)q.Value : null;
        double? low = q.CanonicalValue is null ? null : factor is { } f ? (double)q.Low * f : (double)q.CanonicalValue;
        double? high = q.CanonicalValue is null ? null : factor is { } g ? (double)q.High * g : (double)q.CanonicalValue;
        return Entry(q.Param, q.Group, ("s", q.System), ("c", q.Code), ("u", q.Unit),
            ("v", (double)q.Value), ("lo", (double)q.Low), ("hi", (double)q.High),
            ("ay", Asymmetric((double)q.Value, (double)q.Low, (double)q.High)),
            ("cc", q.CanonicalCode), ("cv", (double?)q.CanonicalValue), ("cl", low), ("ch", high),
            ("cay", q.CanonicalValue is { } canonical ? Asymmetric((double)canonical, low!.Value, high!.Value) : (long?)null));
    }

    /// <summary>
    /// 1 when [low, high] is not the precision range around the value (a Range), else 0: the SQLite store's query-time
    /// test abs(low + high - 2 * value) &lt;= 1e-9 * (1 + abs(value)), in the same double arithmetic, done once at write
    /// time (a plain field comparison also keeps the emulator's parser fast: see CosmosDnf).
    /// </summary>
    private static long Asymmetric(double value, double low, double high) =>
        Math.Abs(low + high - 2 * value) <= 1e-9 * (1 + Math.Abs(value)) ? 0L : 1L;

    /// <summary>The instant as Unix milliseconds, rounded down; the open ends (Min/Max) stay within a double's exact range.</summary>
    public static long Ms(DateTimeOffset value) => FloorDiv(value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks);

    /// <summary>The instant as Unix milliseconds, rounded up (a span's exclusive end inside a millisecond).</summary>
    public static long CeilingMs(DateTimeOffset value) => -FloorDiv(DateTimeOffset.UnixEpoch.UtcTicks - value.UtcTicks);

    private static long FloorDiv(long ticks)
    {
        var (quotient, remainder) = long.DivRem(ticks, TimeSpan.TicksPerMillisecond);
        return remainder < 0 ? quotient - 1 : quotient;
    }

    private static JsonArray Array<T>(IEnumerable<T> values, Func<T, JsonObject> entry) =>
        new(values.Select(v => (JsonNode?)entry(v)).ToArray());

    // Null fields are left out: Cosmos treats a missing property as undefined, and the translator tests IS_DEFINED where it matters.
    private static JsonObject Entry(string param, int? group, params (string Name, object? Value)[] fields)
    {
        var entry = new JsonObject { ["p"] = param };
        if (group is not null) entry["g"] = group.Value;
        foreach (var (name, value) in fields)
        {
            switch (value)
            {
                case null: break;
                case string s: entry[name] = s; break;
                case long l: entry[name] = l; break;
                case double d: entry[name] = d; break;
                default: throw new ArgumentOutOfRangeException(nameof(fields), value, "Unexpected index field type.");
            }
        }
        return entry;
    }
}
