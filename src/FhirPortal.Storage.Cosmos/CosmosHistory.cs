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
        if (query.AtStart is not null || query.AtEnd is not null)
            throw new StoreNotSupportedException("The Cosmos DB store does not evaluate _at in history yet.");
        var sql = new StringBuilder($"SELECT TOP {query.Count + 1} c.id, c.type, c.rid, c.vid, c.m, c.lu, c.lum, c.raw FROM c WHERE c.kind = @kind");
        var parameters = new Dictionary<string, object> { ["@kind"] = CosmosKeys.Version };
        string? pk = null;
        if (query.Type is not null)
        {
            sql.Append(" AND c.type = @type");
            parameters["@type"] = query.Type;
        }
        if (query.Id is not null)
        {
            sql.Append(" AND c.rid = @rid");
            parameters["@rid"] = query.Id;
            if (query.Type is not null) pk = CosmosKeys.Own(new ResourceKey(query.Type, query.Id));
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

        var rows = await db.QueryAsync(definition, pk, query.Count + 1, ct);
        var entries = rows.Take(query.Count).Select(r => CosmosDocuments.ToStored(r!)).ToList();
        string? next = null;
        if (rows.Count > query.Count)
        {
            var last = rows[query.Count - 1]!;
            next = Encode((long)last["lum"]!, (int)last["vid"]!, (string)last["id"]!);
        }
        return new Page(entries, next);
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
