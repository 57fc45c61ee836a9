using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>History at system, type and instance level, newest first, paged by commit sequence.</summary>
internal static class SqliteHistory
{
    public static async Task<Page> QueryAsync(SqliteConnection connection, HistoryQuery query, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        var where = new StringBuilder("1 = 1");
        if (query.Type is not null)
        {
            where.Append(" AND r.type = $type");
            cmd.Parameters.AddWithValue("$type", query.Type);
        }
        if (query.Id is not null)
        {
            where.Append(" AND r.id = $id");
            cmd.Parameters.AddWithValue("$id", query.Id);
        }
        if (query.Since is { } since)
        {
            where.Append(" AND v.last_updated >= $since");
            cmd.Parameters.AddWithValue("$since", SqliteInstants.Ceiling(since));
        }
        if (query.AtStart is { } atStart && query.AtEnd is { } atEnd)
        {
            // A version was current from its own lastUpdated until the next version's.
            where.Append("""
                 AND v.last_updated < $atEnd AND NOT EXISTS (
                    SELECT 1 FROM resource_version n
                    WHERE n.rid = v.rid AND n.version = v.version + 1 AND n.last_updated <= $atStart)
                """);
            cmd.Parameters.AddWithValue("$atStart", SqliteRows.ToUnixMs(atStart));
            // Times are stored in whole milliseconds: an end inside a millisecond (e.g. an instant's end, start + 1 tick)
            // must still include a version written at that millisecond.
            cmd.Parameters.AddWithValue("$atEnd", SqliteInstants.Ceiling(atEnd));
        }
        if (query.Cursor is not null)
        {
            if (!long.TryParse(query.Cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var before))
                throw new ArgumentException("The paging cursor is not valid for this store.");
            where.Append(" AND v.seq < $before");
            cmd.Parameters.AddWithValue("$before", before);
        }
        cmd.CommandText = $"""
            SELECT v.seq, {SqliteRows.Columns}
            FROM resource_version v JOIN resource r ON r.rid = v.rid
            WHERE {where}
            ORDER BY v.seq DESC LIMIT $limit
            """;
        cmd.Parameters.AddWithValue("$limit", query.Count + 1);

        var entries = new List<StoredResource>();
        long lastSeq = 0;
        string? next = null;
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (entries.Count == query.Count)
            {
                next = lastSeq.ToString(CultureInfo.InvariantCulture);
                break;
            }
            lastSeq = reader.GetInt64(0);
            entries.Add(SqliteRows.ToStoredResource(reader, 1));
        }
        return new Page(entries, next);
    }
}
