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
        var order = Order.Of(query.Sort);
        query = await CosmosReferenceConditions.ResolveAsync(db, query, ct);
        var pk = CosmosRouting.PartitionKey(query);
        long? total = query.Total == TotalMode.None ? null : await CountAsync(query, pk, ct);
        if (query.Count == 0) return new Page([], null) { Total = total };

        var conditions = new CosmosConditions();
        var where = Where(conditions, query);
        if (query.Cursor is not null) where += " AND " + order.After(conditions, Cursor.Decode(query.Cursor));
        var sql = $"SELECT TOP {query.Count + 1} {Columns} FROM c WHERE {where} ORDER BY {order.By}";
        var rows = await CosmosIdChunks.PageAsync(db, conditions.Build(sql), pk, query.Count + 1, order.Compare, ct);
        var entries = rows.Take(query.Count).Select(r => CosmosDocuments.ToStored(r!)).ToList();
        var next = rows.Count > query.Count ? order.CursorAfter(rows[query.Count - 1]!).Encode() : null;
        return new Page(entries, next) { Total = total, Included = await CosmosIncludes.FindAsync(db, query, entries, ct) };
    }

    public async Task<bool> AnyMatchAsync(SearchQuery query, CancellationToken ct)
    {
        query = await CosmosReferenceConditions.ResolveAsync(db, query, ct);
        var conditions = new CosmosConditions();
        var sql = $"SELECT TOP 1 c.id FROM c WHERE {Where(conditions, query)}";
        return await CosmosIdChunks.AnyAsync(db, conditions.Build(sql), CosmosRouting.PartitionKey(query), ct);
    }

    private async Task<long> CountAsync(SearchQuery query, string? pk, CancellationToken ct)
    {
        var conditions = new CosmosConditions();
        return await CosmosIdChunks.CountAsync(db, conditions, Where(conditions, query), pk, ct);
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

        private string Direction => Descending ? "DESC" : "ASC";

        public string By => Field is null ? "c.id ASC" : $"c.{Field} {Direction}, c.id {Direction}";

        public string After(CosmosConditions p, Cursor cursor)
        {
            var greater = Descending ? "<" : ">";
            if (Field is null) return $"c.id > {p.Add(cursor.Id)}";
            var value = p.Add(cursor.Value switch
            {
                JsonValue v when v.TryGetValue<long>(out var number) => number,
                JsonValue v => (object?)(string?)v,
                _ => null,
            });
            return $"(c.{Field} {greater} {value} OR (c.{Field} = {value} AND c.id {greater} {p.Add(cursor.Id)}))";
        }

        /// <summary>Compares two rows as ORDER BY does (merging the pages of chunked queries).</summary>
        public int Compare(JsonNode a, JsonNode b)
        {
            var sign = Descending ? -1 : 1;
            if (Field is not null)
            {
                var byField = Field == "lum"
                    ? ((long)a[Field]!).CompareTo((long)b[Field]!)
                    : string.CompareOrdinal((string)a[Field]!, (string)b[Field]!);
                if (byField != 0) return sign * byField;
            }
            return sign * string.CompareOrdinal((string)a["id"]!, (string)b["id"]!);
        }

        public Cursor CursorAfter(JsonNode row) => new(Field is null ? null : row[Field]!.DeepClone(), (string)row["id"]!);
    }

    private sealed record Cursor(JsonNode? Value, string Id)
    {
        public string Encode() =>
            Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["v"] = Value?.DeepClone(), ["i"] = Id }));

        public static Cursor Decode(string text)
        {
            try
            {
                var json = JsonNode.Parse(Base64Url.DecodeFromChars(text))!.AsObject();
                return new Cursor(json["v"]?.DeepClone(), (string)json["i"]!);
            }
            catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or NullReferenceException or ArgumentException)
            {
                throw new ArgumentException("The paging cursor is not valid for this search; start again from the first page.", e);
            }
        }
    }
}
