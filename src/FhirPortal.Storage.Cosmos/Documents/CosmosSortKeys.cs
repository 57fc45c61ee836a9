using System.Text.Json.Nodes;
using FhirPortal.Search;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Per-parameter sort values embedded in the current document, because Cosmos DB can only ORDER BY a document path:
/// "sa" holds each parameter's lowest value (the ascending key), "sd" its highest (the descending key), the same
/// values the SQLite store aggregates per resource (MIN/MAX over token code, normalised string, date start/end,
/// number/quantity value, reference Type/id, uri). Only parameters the resource has a value for get keys; composite
/// components ("param#i") are never sort keys. Both objects are always written, so a reindex replaces stale keys.
/// </summary>
internal static class CosmosSortKeys
{
    public const string Ascending = "sa";
    public const string Descending = "sd";

    public static void Write(ResourceIndex index, JsonObject json)
    {
        var low = new Dictionary<string, IComparable>();
        var high = new Dictionary<string, IComparable>();
        void Add(string param, IComparable? min, IComparable? max)
        {
            if (param.Contains('#') || min is null || max is null) return;
            // A parameter has one type, so one index array; should an index mix types, the first type's values count.
            if (low.TryGetValue(param, out var seen) && seen.GetType() != min.GetType()) return;
            if (!low.TryGetValue(param, out var l) || Compare(min, l) < 0) low[param] = min;
            if (!high.TryGetValue(param, out var h) || Compare(max, h) > 0) high[param] = max;
        }
        foreach (var t in index.Tokens) Add(t.Param, t.Code, t.Code);
        foreach (var s in index.Strings) Add(s.Param, s.Normalized, s.Normalized);
        // A period sorts by its start ascending and by its end descending, as the SQLite store's start_ms/end_ms.
        foreach (var d in index.Dates) Add(d.Param, CosmosIndexJson.Ms(d.Start), CosmosIndexJson.CeilingMs(d.End));
        foreach (var n in index.Numbers) Add(n.Param, (double)n.Value, (double)n.Value);
        foreach (var q in index.Quantities) Add(q.Param, (double)q.Value, (double)q.Value);
        foreach (var r in index.References)
        {
            var target = r.TargetType is null || r.TargetId is null ? null : $"{r.TargetType}/{r.TargetId}";
            Add(r.Param, target, target);
        }
        foreach (var u in index.Uris) Add(u.Param, u.Value, u.Value);
        json[Ascending] = ToJson(low);
        json[Descending] = ToJson(high);
    }

    /// <summary>Orders sort values of one type as Cosmos DB does: numbers numerically, strings ordinally.</summary>
    private static int Compare(IComparable a, IComparable b) => a is string x && b is string y ? string.CompareOrdinal(x, y) : a.CompareTo(b);

    private static JsonObject ToJson(Dictionary<string, IComparable> values)
    {
        var json = new JsonObject();
        foreach (var (param, value) in values)
        {
            json[param] = value switch
            {
                string s => JsonValue.Create(s),
                long l => JsonValue.Create(l),
                double d => JsonValue.Create(d == 0 ? 0d : d), // -0 sorts as 0, as in SQLite
                _ => throw new InvalidOperationException("Unexpected sort value."),
            };
        }
        return json;
    }
}
