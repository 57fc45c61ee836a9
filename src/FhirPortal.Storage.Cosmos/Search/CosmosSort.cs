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
    /// <summary>One query of a search that runs as several (disjoint parts, each in its partition or across them).</summary>
    public sealed record PartQuery(Func<CosmosConditions, string> Where, string? Partition);

    /// <summary>Whether pages of several parts can be merged in this order (the one-query orders; not a sort walk).</summary>
    public static bool Merges(IReadOnlyList<SortKey> sort) => Order.Of(sort) is not null;

    public static async Task<(List<JsonNode> Rows, string? Next, string? Previous)> PageAsync(
        CosmosGateway db, SearchQuery query, IReadOnlyList<PartQuery> parts, string columns, CancellationToken ct)
    {
        var order = Order.Of(query.Sort);
        var cursor = query.Cursor is null ? null : Cursor.Decode(query.Cursor, order is null ? query.Sort.Count : order.Field is null ? 0 : 1);
        // A backward cursor (the previous link) walks the same order reversed, then flips the page back.
        var backward = cursor?.Backward == true;
        List<JsonNode> rows;
        Func<JsonNode, Cursor> cursorOf;
        if (order is null)
        {
            if (parts is not [var only]) throw new InvalidOperationException("A sort walk runs as one query.");
            var walk = new CosmosSortWalk(db, query, only.Where, columns, only.Partition, backward);
            rows = await walk.RowsAsync(cursor, ct);
            cursorOf = walk.CursorOf;
        }
        else
        {
            Comparison<JsonNode> compare = backward ? (a, b) => order.Compare(b, a) : order.Compare;
            rows = [];
            // Each part's first entries after the cursor, in order; the page is the first of their union.
            foreach (var part in parts)
            {
                var conditions = new CosmosConditions();
                var filter = part.Where(conditions);
                if (cursor is not null) filter += " AND " + order.After(conditions, cursor, backward);
                var sql = $"SELECT TOP {query.Count + 1} {columns} FROM c WHERE {filter} ORDER BY {order.By(backward)}";
                rows.AddRange((await CosmosIdChunks.PageAsync(db, conditions.Build(sql), part.Partition, query.Count + 1, compare, ct)).Select(r => r!));
            }
            if (parts.Count > 1)
            {
                rows.Sort(compare);
                rows = rows.Take(query.Count + 1).ToList();
            }
            cursorOf = order.CursorAfter;
        }

        var more = rows.Count > query.Count;
        var page = rows.Take(query.Count).ToList();
        if (backward) page.Reverse();
        string? next = null, previous = null;
        if (page.Count > 0)
        {
            if (backward || more) next = cursorOf(page[^1]).Encode();
            if (backward ? more : cursor is not null) previous = (cursorOf(page[0]) with { Backward = true }).Encode();
        }
        return (page, next, previous);
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

        /// <summary>The order, or its reverse for a backward (previous-page) walk.</summary>
        public string By(bool reversed)
        {
            var direction = Descending != reversed ? "DESC" : "ASC";
            return Field is null ? $"c.id {direction}" : $"c.{Field} {direction}, c.id {direction}";
        }

        /// <summary>Documents strictly after the cursor in the order (<paramref name="reversed"/>: strictly before it).</summary>
        public string After(CosmosConditions p, Cursor cursor, bool reversed)
        {
            var greater = Descending != reversed ? "<" : ">";
            if (Field is null) return $"c.id {greater} {p.Add(cursor.Id)}";
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

/// <summary>
/// A keyset paging position: the sort values (null where the entry has none) and document id of a page's last entry,
/// or (<see cref="Backward"/>, the previous link) of its first entry.
/// </summary>
internal sealed record Cursor(IReadOnlyList<JsonNode?> Values, string Id, bool Backward = false)
{
    public string Encode()
    {
        var json = new JsonObject { ["k"] = new JsonArray(Values.Select(v => v?.DeepClone()).ToArray()), ["i"] = Id };
        if (Backward) json["b"] = true;
        return Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(json));
    }

    public static Cursor Decode(string text, int sortKeys)
    {
        try
        {
            var json = JsonNode.Parse(Base64Url.DecodeFromChars(text))!.AsObject();
            var values = json["k"]!.AsArray().Select(v => v?.DeepClone()).ToList();
            if (values.Count != sortKeys || values.Any(v => v is not (null or JsonValue))) throw new FormatException("sort keys differ");
            return new Cursor(values, (string)json["i"]!, json["b"] is JsonValue b && (bool)b);
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
