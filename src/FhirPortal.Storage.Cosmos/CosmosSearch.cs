using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirPortal.Search;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Runs a <see cref="SearchQuery"/> over the current documents: filter, order, keyset paging (the cursor holds the
/// last entry's sort value and document id, so later writes never shift the following pages) and _total.
/// </summary>
internal sealed class CosmosSearch(CosmosGateway db)
{
    private const string Columns = "c.id, c.type, c.rid, c.vid, c.m, c.lu, c.lum, c.raw";

    public async Task<Page> QueryAsync(SearchQuery query, CancellationToken ct)
    {
        if (query.Includes.Count + query.RevIncludes.Count > 0)
            throw new StoreNotSupportedException("The Cosmos DB store does not evaluate _include/_revinclude yet.");
        var order = Order.Of(query.Sort);
        long? total = query.Total == TotalMode.None ? null : await CountAsync(query, ct);
        if (query.Count == 0) return new Page([], null) { Total = total };

        var conditions = new CosmosConditions();
        var where = Where(conditions, query);
        var cursor = query.Cursor is null ? null : Cursor.Decode(query.Cursor);
        // A backward cursor (the previous link) walks the same order reversed, then flips the page back.
        var backward = cursor?.Backward == true;
        if (cursor is not null) where += " AND " + order.After(conditions, cursor, backward);
        var sql = $"SELECT TOP {query.Count + 1} {Columns} FROM c WHERE {where} ORDER BY {order.By(backward)}";
        var rows = await db.QueryAsync(conditions.Build(sql), null, query.Count + 1, ct);
        var more = rows.Count > query.Count;
        var page = rows.Take(query.Count).Select(r => r!).ToList();
        if (backward) page.Reverse();
        string? next = null, previous = null;
        if (page.Count > 0)
        {
            if (backward || more) next = order.CursorAfter(page[^1]).Encode();
            if (backward ? more : cursor is not null) previous = (order.CursorAfter(page[0]) with { Backward = true }).Encode();
        }
        var entries = page.Select(CosmosDocuments.ToStored).ToList();
        return new Page(entries, next) { PreviousCursor = previous, Total = total };
    }

    public async Task<bool> AnyMatchAsync(SearchQuery query, CancellationToken ct)
    {
        var conditions = new CosmosConditions();
        var sql = $"SELECT TOP 1 c.id FROM c WHERE {Where(conditions, query)}";
        return (await db.QueryAsync(conditions.Build(sql), null, 1, ct)).Count > 0;
    }

    private async Task<long> CountAsync(SearchQuery query, CancellationToken ct)
    {
        var conditions = new CosmosConditions();
        var rows = await db.QueryAsync(conditions.Build($"SELECT VALUE COUNT(1) FROM c WHERE {Where(conditions, query)}"), null, int.MaxValue, ct);
        return rows.Sum(r => (long)r!);
    }

    private static string Where(CosmosConditions conditions, SearchQuery query)
    {
        var sql = new StringBuilder($"c.kind = {conditions.Add(CosmosKeys.Current)}");
        if (query.ResourceType is not null) sql.Append($" AND c.type = {conditions.Add(query.ResourceType)}");
        else if (query.Types is { Count: > 0 } types) sql.Append($" AND ARRAY_CONTAINS({conditions.Add(types.ToArray())}, c.type)");
        foreach (var condition in query.Conditions) sql.Append(" AND ").Append(conditions.Translate(condition));
        return sql.ToString();
    }

    /// <summary>The supported orders: by document id (stable default), by _lastUpdated or by _id, each tied by document id.</summary>
    private sealed record Order(string? Field, bool Descending)
    {
        public static Order Of(IReadOnlyList<SortKey> sort) => sort switch
        {
            [] => new Order(null, false),
            [{ Param: "_lastUpdated" } k] => new Order("lum", k.Descending),
            [{ Param: "_id" } k] => new Order("rid", k.Descending),
            _ => throw new StoreNotSupportedException(
                $"The Cosmos DB store can sort by _lastUpdated or _id only yet, not by {string.Join(",", sort.Select(k => k.Param))}."),
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
            var value = p.Add(cursor.Value switch
            {
                JsonValue v when v.TryGetValue<long>(out var number) => number,
                JsonValue v => (object?)(string?)v,
                _ => null,
            });
            return $"(c.{Field} {greater} {value} OR (c.{Field} = {value} AND c.id {greater} {p.Add(cursor.Id)}))";
        }

        public Cursor CursorAfter(JsonNode row) => new(Field is null ? null : row[Field]!.DeepClone(), (string)row["id"]!);
    }

    /// <summary>The last (or, <see cref="Backward"/>, the first) entry of a page: where the next (previous) page starts.</summary>
    private sealed record Cursor(JsonNode? Value, string Id, bool Backward = false)
    {
        public string Encode()
        {
            var json = new JsonObject { ["v"] = Value?.DeepClone(), ["i"] = Id };
            if (Backward) json["b"] = true;
            return Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(json));
        }

        public static Cursor Decode(string text)
        {
            try
            {
                var json = JsonNode.Parse(Base64Url.DecodeFromChars(text))!.AsObject();
                return new Cursor(json["v"]?.DeepClone(), (string)json["i"]!, json["b"] is not null && (bool)json["b"]!);
            }
            catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or NullReferenceException or ArgumentException)
            {
                throw new ArgumentException("The paging cursor is not valid for this search; start again from the first page.", e);
            }
        }
    }
}
