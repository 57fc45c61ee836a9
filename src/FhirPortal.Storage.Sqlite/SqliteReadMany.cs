using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// The current versions of many resources in one query per type (and per <see cref="MaxIds"/> ids): a bulk writer's
/// batch costs one statement instead of one read per line.
/// </summary>
internal static class SqliteReadMany
{
    // Well under SQLite's limit of bound parameters (32,766), and short enough to keep the statement cheap to compile.
    private const int MaxIds = 500;

    public static async Task<IReadOnlyList<StoredResource>> ReadAsync(SqliteConnection connection, IReadOnlyCollection<ResourceKey> keys, CancellationToken ct)
    {
        var found = new List<StoredResource>(keys.Count);
        foreach (var type in keys.Distinct().GroupBy(k => k.Type, StringComparer.Ordinal))
            foreach (var ids in type.Select(k => k.Id).Chunk(MaxIds))
            {
                await using var cmd = connection.CreateCommand();
                var names = new string[ids.Length];
                for (var i = 0; i < ids.Length; i++)
                {
                    names[i] = "$i" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    cmd.Parameters.AddWithValue(names[i], ids[i]);
                }
                cmd.Parameters.AddWithValue("$type", type.Key);
                cmd.CommandText = $"""
                    SELECT {SqliteRows.Columns}
                    FROM resource r JOIN resource_version v ON v.rid = r.rid AND v.version = r.version
                    WHERE r.type = $type AND r.id IN ({string.Join(", ", names)})
                    """;
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) found.Add(SqliteRows.ToStoredResource(reader, 0));
            }
        return found;
    }
}
