using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// History from the immutable version documents (they exist only once their transaction committed), newest first.
/// Instance history is one partition (the resource's own); type and system history query across partitions.
/// </summary>
internal sealed class CosmosHistory(CosmosGateway db)
{
    public async Task<Page> QueryAsync(HistoryQuery query, CancellationToken ct)
    {
        var rows = query is { AtStart: { } start, AtEnd: { } end }
            ? await CurrentDuringAsync(query, start, end, ct)
            : (await PageAsync(query, null, query.Count + 1, ct)).Rows;
        return PageOf(rows, query.Count);
    }

    private static Page PageOf(List<JsonNode?> rows, int count)
    {
        var entries = rows.Take(count).Select(r => CosmosDocuments.ToStored(r!)).ToList();
        string? next = null;
        if (rows.Count > count)
        {
            var last = rows[count - 1]!;
            next = Encode((long)last["lum"]!, (int)last["vid"]!, (string)last["id"]!);
        }
        return new Page(entries, next);
    }

    /// <summary>
    /// _at: the versions current at some moment of [start, end). A version is, unless it was written at or after the
    /// end, or its successor was written at or before the start. Version documents do not know their successor, so
    /// each batch of candidates (written before the end) is checked with one query for successors written by the
    /// start, and superseded ones are skipped: the cost grows with the versions superseded before the start.
    /// </summary>
    private async Task<List<JsonNode?>> CurrentDuringAsync(HistoryQuery query, DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        var startMs = CosmosIndexJson.Ms(start);
        var endMs = CosmosIndexJson.CeilingMs(end);
        var kept = new List<JsonNode?>();
        var cursor = query.Cursor;
        while (kept.Count <= query.Count)
        {
            var (rows, more) = await PageAsync(query with { Cursor = cursor }, endMs, query.Count + 1, ct);
            if (rows.Count == 0) break;
            var superseded = await SupersededAsync(rows, startMs, query, ct);
            kept.AddRange(rows.Where(r => !superseded.Contains((string)r!["id"]!)));
            if (!more) break;
            var last = rows[^1]!;
            cursor = Encode((long)last["lum"]!, (int)last["vid"]!, (string)last["id"]!);
        }
        return kept;
    }

    /// <summary>The ids of the versions among <paramref name="rows"/> whose next version was written at or before <paramref name="startMs"/>.</summary>
    private async Task<HashSet<string>> SupersededAsync(List<JsonNode?> rows, long startMs, HistoryQuery query, CancellationToken ct)
    {
        var successors = rows.Select(r => CosmosKeys.VersionId(CosmosDocuments.Key(r!), CosmosDocuments.VersionOf(r!) + 1)).ToArray();
        var sql = new QueryDefinition("SELECT c.type, c.rid, c.vid FROM c WHERE c.kind = @kind AND c.lum <= @start AND ARRAY_CONTAINS(@ids, c.id)")
            .WithParameter("@kind", CosmosKeys.Version).WithParameter("@start", startMs).WithParameter("@ids", successors);
        var found = await db.QueryAsync(sql, InstancePartition(query), successors.Length, ct);
        return found.Select(s => CosmosKeys.VersionId(CosmosDocuments.Key(s!), CosmosDocuments.VersionOf(s!) - 1)).ToHashSet();
    }

    private static string? InstancePartition(HistoryQuery query) =>
        query.Type is not null && query.Id is not null ? CosmosKeys.Own(new ResourceKey(query.Type, query.Id)) : null;

    /// <summary>Up to <paramref name="limit"/> versions after the query's cursor (written before <paramref name="beforeMs"/> when given), and whether more follow.</summary>
    private async Task<(List<JsonNode?> Rows, bool More)> PageAsync(HistoryQuery query, long? beforeMs, int limit, CancellationToken ct)
    {
        var sql = new StringBuilder($"SELECT TOP {limit} c.id, c.type, c.rid, c.vid, c.m, c.lu, c.lum, c.raw FROM c WHERE c.kind = @kind");
        var parameters = new Dictionary<string, object> { ["@kind"] = CosmosKeys.Version };
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
        if (query.Cursor is not null)
        {
            var (lum, vid, id) = Decode(query.Cursor);
            sql.Append(" AND (c.lum < @lum OR (c.lum = @lum AND (c.vid < @vid OR (c.vid = @vid AND c.id < @id))))");
            parameters["@lum"] = lum;
            parameters["@vid"] = vid;
            parameters["@id"] = id;
        }
        sql.Append(" ORDER BY c.lum DESC, c.vid DESC, c.id DESC");
        var definition = new QueryDefinition(sql.ToString());
        foreach (var (name, value) in parameters) definition.WithParameter(name, value);

        var rows = await db.QueryAsync(definition, pk, limit, ct);
        return (rows, rows.Count == limit);
    }

    private static string Encode(long lum, int vid, string id) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new JsonArray(lum, vid, id)));

    private static (long Lum, int Vid, string Id) Decode(string cursor)
    {
        try
        {
            var json = JsonNode.Parse(Base64Url.DecodeFromChars(cursor))!.AsArray();
            return ((long)json[0]!, (int)json[1]!, (string)json[2]!);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or NullReferenceException or ArgumentException or IndexOutOfRangeException)
        {
            throw new ArgumentException("The paging cursor is not valid for this history; start again from the first page.", e);
        }
    }
}
