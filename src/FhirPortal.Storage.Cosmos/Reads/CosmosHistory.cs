using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// History, newest first, from every document that holds a version: superseded versions, current and deleted
/// documents (each exists only once its write committed). Instance history is the resource's own partition plus
/// its current document when that lives in a patient's partition; type and system history query across partitions.
/// A one-resource update that crashed between its two writes leaves a copy of a committed version beside the
/// original: both carry the same version key, sort next to each other and are shown once.
/// </summary>
internal sealed class CosmosHistory(CosmosGateway db, CosmosTransactions transactions)
{
    private const string Kinds = "(c.kind = @ver OR c.kind = @cur OR c.kind = @del)";

    public async Task<Page> QueryAsync(HistoryQuery query, CancellationToken ct)
    {
        var elsewhere = await CurrentElsewhereAsync(query, ct);
        var rows = query is { AtStart: { } start, AtEnd: { } end }
            ? await CurrentDuringAsync(query, start, end, elsewhere, ct)
            : (await CollectAsync(query, null, query.Count + 1, elsewhere, ct)).Rows;
        return PageOf(rows, query.Count);
    }

    private static Page PageOf(List<JsonNode> rows, int count)
    {
        var entries = rows.Take(count).Select(CosmosDocuments.ToStored).ToList();
        return new Page(entries, rows.Count > count ? Encode(rows[count - 1]) : null);
    }

    /// <summary>For instance history: the current document when it is not in the resource's own partition.</summary>
    private async Task<JsonObject?> CurrentElsewhereAsync(HistoryQuery query, CancellationToken ct)
    {
        if (InstancePartition(query) is not { } own) return null;
        var current = (await transactions.SettledAsync(new ResourceKey(query.Type!, query.Id!), forWrite: false, ct)).Resource;
        return current is not null && (string)current.Body["pk"]! != own ? current.Body : null;
    }

    /// <summary>
    /// _at: the versions current at some moment of [start, end). A version is, unless it was written at or after the
    /// end, or its successor was written at or before the start. Version documents do not know their successor, so
    /// each batch of candidates (written before the end) is checked with one query for successors written by the
    /// start, and superseded ones are skipped: the cost grows with the versions superseded before the start.
    /// </summary>
    private async Task<List<JsonNode>> CurrentDuringAsync(
        HistoryQuery query, DateTimeOffset start, DateTimeOffset end, JsonObject? elsewhere, CancellationToken ct)
    {
        var startMs = CosmosIndexJson.Ms(start);
        var endMs = CosmosIndexJson.CeilingMs(end);
        var kept = new List<JsonNode>();
        var cursor = query.Cursor;
        while (kept.Count <= query.Count)
        {
            var (rows, more) = await CollectAsync(query with { Cursor = cursor }, endMs, query.Count + 1, elsewhere, ct);
            if (rows.Count == 0) break;
            var superseded = await SupersededAsync(rows, startMs, query, elsewhere, ct);
            kept.AddRange(rows.Where(r => !superseded.Contains((string)r["vk"]!)));
            if (!more) break;
            cursor = Encode(rows[^1]);
        }
        return kept;
    }

    /// <summary>The version keys of the rows whose next version was written at or before <paramref name="startMs"/>.</summary>
    private async Task<HashSet<string>> SupersededAsync(List<JsonNode> rows, long startMs, HistoryQuery query, JsonObject? elsewhere, CancellationToken ct)
    {
        var successors = rows.ToDictionary(
            r => CosmosKeys.VersionKey(CosmosDocuments.Key(r), CosmosDocuments.VersionOf(r) + 1), r => (string)r["vk"]!);
        var pk = InstancePartition(query);
        var sql = Parameters(new QueryDefinition(
                $"SELECT c.vk FROM c WHERE {Kinds} AND c.lum <= @start AND ARRAY_CONTAINS(@vks, c.vk){(pk is null ? "" : " AND c.pk = @pk")}"))
            .WithParameter("@start", startMs).WithParameter("@vks", successors.Keys.ToArray()).WithParameter("@pk", pk);
        var found = (await db.QueryAsync(sql, pk, successors.Count * 2, ct)).Select(s => (string)s!["vk"]!).ToList();
        if (elsewhere is not null && (long)elsewhere["lum"]! <= startMs) found.Add((string)elsewhere["vk"]!);
        return found.Where(successors.ContainsKey).Select(s => successors[s]).ToHashSet(StringComparer.Ordinal);
    }

    private static string? InstancePartition(HistoryQuery query) =>
        query.Type is not null && query.Id is not null ? CosmosKeys.Own(new ResourceKey(query.Type, query.Id)) : null;

    /// <summary>
    /// Up to <paramref name="limit"/> versions after the query's cursor (written before <paramref name="beforeMs"/>
    /// when given), each once, with <paramref name="elsewhere"/> merged in where it belongs; More: others may follow.
    /// </summary>
    private async Task<(List<JsonNode> Rows, bool More)> CollectAsync(
        HistoryQuery query, long? beforeMs, int limit, JsonObject? elsewhere, CancellationToken ct)
    {
        var rows = new List<JsonNode>();
        var cursor = query.Cursor;
        var exhausted = false;
        while (rows.Count < limit && !exhausted)
        {
            var want = limit - rows.Count;
            var batch = await QueryPageAsync(query, cursor, beforeMs, want, ct);
            exhausted = batch.Count < want;
            foreach (var row in batch)
            {
                if (rows.Count == 0 || (string)rows[^1]["vk"]! != (string)row!["vk"]!) rows.Add(row!);
            }
            if (batch.Count > 0) cursor = Encode(batch[^1]!);
        }
        if (elsewhere is not null && Passes(elsewhere, query, beforeMs) && rows.All(r => (string)r["vk"]! != (string)elsewhere["vk"]!))
        {
            rows.Add(elsewhere);
            rows.Sort(NewestFirst);
            if (rows.Count > limit) rows.RemoveAt(rows.Count - 1);
        }
        return (rows, rows.Count == limit);
    }

    /// <summary>Whether a document found outside the query passes its filters (the SQL of <see cref="QueryPageAsync"/>).</summary>
    private static bool Passes(JsonNode doc, HistoryQuery query, long? beforeMs)
    {
        var lum = (long)doc["lum"]!;
        if (query.Since is { } since && lum < CosmosIndexJson.CeilingMs(since)) return false;
        if (beforeMs is not null && lum >= beforeMs) return false;
        return query.Cursor is null || NewestFirst(Decode(query.Cursor), doc) < 0;
    }

    private static int NewestFirst(JsonNode x, JsonNode y)
    {
        var byTime = ((long)y["lum"]!).CompareTo((long)x["lum"]!);
        if (byTime != 0) return byTime;
        var byVersion = ((int)y["vid"]!).CompareTo((int)x["vid"]!);
        return byVersion != 0 ? byVersion : string.CompareOrdinal((string)y["vk"]!, (string)x["vk"]!);
    }

    private async Task<List<JsonNode?>> QueryPageAsync(HistoryQuery query, string? cursor, long? beforeMs, int limit, CancellationToken ct)
    {
        var sql = new StringBuilder($"SELECT TOP {limit} c.id, c.type, c.rid, c.vid, c.vk, c.m, c.lu, c.lum, c.raw, c.pat FROM c WHERE {Kinds}");
        var parameters = new Dictionary<string, object>();
        var pk = InstancePartition(query);
        if (query.Type is not null)
        {
            sql.Append(" AND c.type = @type");
            parameters["@type"] = query.Type;
        }
        if (query.Id is not null)
        {
            sql.Append(" AND c.rid = @rid");
            parameters["@rid"] = query.Id;
        }
        if (pk is not null)
        {
            // The emulator routes a single-partition query only when its text names the partition too.
            sql.Append(" AND c.pk = @pk");
            parameters["@pk"] = pk;
        }
        if (query.Since is { } since)
        {
            sql.Append(" AND c.lum >= @since");
            parameters["@since"] = CosmosIndexJson.CeilingMs(since);
        }
        if (beforeMs is not null)
        {
            sql.Append(" AND c.lum < @before");
            parameters["@before"] = beforeMs.Value;
        }
        if (cursor is not null)
        {
            var after = Decode(cursor);
            sql.Append(" AND (c.lum < @lum OR (c.lum = @lum AND (c.vid < @vid OR (c.vid = @vid AND c.vk < @vk))))");
            parameters["@lum"] = (long)after["lum"]!;
            parameters["@vid"] = (int)after["vid"]!;
            parameters["@vk"] = (string)after["vk"]!;
        }
        sql.Append(" ORDER BY c.lum DESC, c.vid DESC, c.vk DESC");
        var definition = Parameters(new QueryDefinition(sql.ToString()));
        foreach (var (name, value) in parameters) definition.WithParameter(name, value);
        return await db.QueryAsync(definition, pk, limit, ct);
    }

    private static QueryDefinition Parameters(QueryDefinition query) => query
        .WithParameter("@ver", CosmosKeys.Version).WithParameter("@cur", CosmosKeys.Current).WithParameter("@del", CosmosKeys.Deleted);

    private static string Encode(JsonNode row) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new JsonArray((long)row["lum"]!, (int)row["vid"]!, (string)row["vk"]!)));

    /// <summary>The cursor as the history fields it names (lum, vid, vk).</summary>
    private static JsonObject Decode(string cursor)
    {
        try
        {
            var json = JsonNode.Parse(Base64Url.DecodeFromChars(cursor))!.AsArray();
            return new JsonObject { ["lum"] = (long)json[0]!, ["vid"] = (int)json[1]!, ["vk"] = (string)json[2]! };
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or NullReferenceException or ArgumentException or IndexOutOfRangeException)
        {
            throw new ArgumentException("The paging cursor is not valid for this history; start again from the first page.", e);
        }
    }
}
