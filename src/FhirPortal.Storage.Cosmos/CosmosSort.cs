using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirPortal.Search;
using SortKey = FhirPortal.Search.SortKey;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// One page of a search in _sort order with keyset paging (the cursor holds the last entry's sort values and
/// document id, so later writes never shift the following pages). The default order, _lastUpdated and _id run as one
/// query over a composite index; any other sort (see <see cref="CosmosSortWalk"/>) walks the embedded sort keys.
/// </summary>
internal static class CosmosSort
{
    public static async Task<(List<JsonNode> Rows, string? Next)> PageAsync(
        CosmosGateway db, SearchQuery query, Func<CosmosConditions, string> where, string columns, string? pk, CancellationToken ct)
    {
        if (Order.Of(query.Sort) is not { } order) return await CosmosSortWalk.PageAsync(db, query, where, columns, pk, ct);

        var conditions = new CosmosConditions();
        var filter = where(conditions);
        if (query.Cursor is not null) filter += " AND " + order.After(conditions, Cursor.Decode(query.Cursor, order.Field is null ? 0 : 1));
        var sql = $"SELECT TOP {query.Count + 1} {columns} FROM c WHERE {filter} ORDER BY {order.By}";
        var rows = (await CosmosIdChunks.PageAsync(db, conditions.Build(sql), pk, query.Count + 1, order.Compare, ct)).Select(r => r!).ToList();
        var next = rows.Count > query.Count ? order.CursorAfter(rows[query.Count - 1]).Encode() : null;
        return (rows.Take(query.Count).ToList(), next);
    }

    /// <summary>The orders served by one query: by document id (stable default), by _lastUpdated or by _id, each tied by document id.</summary>
    private sealed record Order(string? Field, bool Descending)
    {
        public static Order? Of(IReadOnlyList<SortKey> sort) => sort switch
        {
            [] => new Order(null, false),
            [{ Param: "_lastUpdated" } k] => new Order("lum", k.Descending),
            [{ Param: "_id" } k] => new Order("rid", k.Descending),
            _ => null,
        };

        private string Direction => Descending ? "DESC" : "ASC";

        public string By => Field is null ? "c.id ASC" : $"c.{Field} {Direction}, c.id {Direction}";

        public string After(CosmosConditions p, Cursor cursor)
        {
            var greater = Descending ? "<" : ">";
            if (Field is null) return $"c.id > {p.Add(cursor.Id)}";
            var value = p.Add(Cursor.Parameter(cursor.Values[0]));
            return $"(c.{Field} {greater} {value} OR (c.{Field} = {value} AND c.id {greater} {p.Add(cursor.Id)}))";
        }

        /// <summary>Compares two rows as the ORDER BY does (merging the pages of chunked queries, see <see cref="CosmosIdChunks"/>).</summary>
        public int Compare(JsonNode a, JsonNode b)
        {
            var sign = Descending ? -1 : 1;
            if (Field is not null && Cursor.Compare(a[Field]!, b[Field]!) is var byField and not 0) return sign * byField;
            return sign * string.CompareOrdinal((string)a["id"]!, (string)b["id"]!);
        }

        public Cursor CursorAfter(JsonNode row) => new(Field is null ? [] : [row[Field]?.DeepClone()], (string)row["id"]!);
    }
}

/// <summary>A keyset paging position: the sort values (null where the entry has none) and document id of a page's last entry.</summary>
internal sealed record Cursor(IReadOnlyList<JsonNode?> Values, string Id)
{
    public string Encode() => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(
        new JsonObject { ["k"] = new JsonArray(Values.Select(v => v?.DeepClone()).ToArray()), ["i"] = Id }));

    public static Cursor Decode(string text, int sortKeys)
    {
        try
        {
            var json = JsonNode.Parse(Base64Url.DecodeFromChars(text))!.AsObject();
            var values = json["k"]!.AsArray().Select(v => v?.DeepClone()).ToList();
            if (values.Count != sortKeys || values.Any(v => v is not (null or JsonValue))) throw new FormatException("sort keys differ");
            return new Cursor(values, (string)json["i"]!);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or NullReferenceException or ArgumentException)
        {
            throw new ArgumentException("The paging cursor is not valid for this search; start again from the first page.", e);
        }
    }

    /// <summary>A sort value as a query parameter: numbers as long or double, otherwise the string.</summary>
    public static object? Parameter(JsonNode? value)
    {
        if (value is not JsonValue v) return null;
        if (v.GetValueKind() != JsonValueKind.Number) return (string?)v;
        var text = v.ToJsonString();
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : double.Parse(text, CultureInfo.InvariantCulture);
    }

    /// <summary>Cosmos DB's order of two sort values of one parameter: numbers numerically, strings ordinally, numbers first.</summary>
    public static int Compare(JsonNode a, JsonNode b)
    {
        var (x, y) = (Parameter(a), Parameter(b));
        return (x, y) switch
        {
            (string xs, string ys) => string.CompareOrdinal(xs, ys),
            (string, _) => 1,
            (_, string) => -1,
            _ => Convert.ToDouble(x, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(y, CultureInfo.InvariantCulture)),
        };
    }
}
