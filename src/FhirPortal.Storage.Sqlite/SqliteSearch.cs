using System.Globalization;
using System.Text;
using FhirPortal.Search;
using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>Translates a <see cref="SearchQuery"/> to SQL over the resource and index tables.</summary>
internal static class SqliteSearch
{
    public static async Task<Page> QueryAsync(SqliteConnection connection, SearchQuery query, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        var where = Where(cmd, query);
        if (query.Cursor is not null)
        {
            if (!long.TryParse(query.Cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var after))
                throw new ArgumentException("The paging cursor is not valid for this store.");
            where.Append(" AND r.rid > $after");
            cmd.Parameters.AddWithValue("$after", after);
        }
        cmd.CommandText = $"""
            SELECT r.rid, {SqliteRows.Columns}
            FROM resource r JOIN resource_version v ON v.rid = r.rid AND v.version = r.version
            WHERE {where}
            ORDER BY r.rid LIMIT $limit
            """;
        cmd.Parameters.AddWithValue("$limit", query.Count + 1);

        var entries = new List<StoredResource>();
        long lastRid = 0;
        string? next = null;
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (entries.Count == query.Count)
            {
                next = lastRid.ToString(CultureInfo.InvariantCulture);
                break;
            }
            lastRid = reader.GetInt64(0);
            entries.Add(SqliteRows.ToStoredResource(reader, 1));
        }
        return new Page(entries, next);
    }

    public static async Task<bool> AnyMatchAsync(SqliteConnection connection, SqliteTransaction tx, SearchQuery query, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"SELECT EXISTS (SELECT 1 FROM resource r WHERE {Where(cmd, query)})";
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct)) == 1;
    }

    private static StringBuilder Where(SqliteCommand cmd, SearchQuery query)
    {
        var sql = new StringBuilder("r.type = $type AND r.deleted = 0");
        cmd.Parameters.AddWithValue("$type", query.ResourceType);
        var n = 0;
        string Param(object? value)
        {
            var name = "$p" + n++;
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
            return name;
        }

        foreach (var condition in query.Conditions)
        {
            switch (condition)
            {
                case IdCondition ids:
                    sql.Append(" AND r.id IN (").AppendJoin(", ", ids.Ids.Select(Param)).Append(')');
                    break;
                case TokenCondition token:
                    sql.Append(" AND EXISTS (SELECT 1 FROM token_index t WHERE t.rid = r.rid AND t.param = ")
                        .Append(Param(token.Param)).Append(" AND (")
                        .AppendJoin(" OR ", token.AnyOf.Select(m => TokenMatchSql(m, Param)))
                        .Append("))");
                    break;
                default:
                    throw new NotSupportedException($"The SQLite store cannot evaluate {condition.GetType().Name}.");
            }
        }
        return sql;
    }

    private static string TokenMatchSql(TokenMatch match, Func<object?, string> param)
    {
        var parts = new List<string>();
        if (match.Code is not null) parts.Add($"t.code = {param(match.Code)}");
        switch (match.Rule)
        {
            case SystemRule.Exact: parts.Add($"t.system = {param(match.System)}"); break;
            case SystemRule.None: parts.Add("t.system IS NULL"); break;
        }
        return parts.Count == 0 ? "1" : "(" + string.Join(" AND ", parts) + ")";
    }
}
