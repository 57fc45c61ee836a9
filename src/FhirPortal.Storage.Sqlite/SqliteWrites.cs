using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>Applies one resource write (version row, current pointer, index rows) inside an open transaction.</summary>
internal static class SqliteWrites
{
    public static async Task ApplyAsync(SqliteConnection connection, SqliteTransaction tx, SqliteIndexWriter indexWriter, ResourceWrite write, CancellationToken ct)
    {
        var version = write.Version;
        var (rid, current) = await CurrentAsync(connection, tx, version.Key, ct);
        if (current != version.VersionId - 1)
            throw new WriteConflictException(
                $"{version.Key} is at version {current}, the write expected {version.VersionId - 1}.");

        var deleted = version.IsDeleted ? 1 : 0;
        var isNew = rid is null;
        await using (var cmd = Command(connection, tx))
        {
            if (rid is null)
            {
                cmd.CommandText = "INSERT INTO resource (type, id, version, deleted, last_updated) VALUES ($type, $id, $version, $deleted, $updated) RETURNING rid";
                cmd.Parameters.AddWithValue("$type", version.Key.Type);
                cmd.Parameters.AddWithValue("$id", version.Key.Id);
            }
            else
            {
                cmd.CommandText = "UPDATE resource SET version = $version, deleted = $deleted, last_updated = $updated WHERE rid = $rid RETURNING rid";
                cmd.Parameters.AddWithValue("$rid", rid.Value);
            }
            cmd.Parameters.AddWithValue("$version", version.VersionId);
            cmd.Parameters.AddWithValue("$deleted", deleted);
            cmd.Parameters.AddWithValue("$updated", SqliteRows.ToUnixMs(version.LastUpdated));
            rid = (long)(await cmd.ExecuteScalarAsync(ct))!;
        }

        await using (var cmd = Command(connection, tx))
        {
            cmd.CommandText = """
                INSERT INTO resource_version (rid, version, method, last_updated, json)
                VALUES ($rid, $version, $method, $updated, $json)
                """;
            cmd.Parameters.AddWithValue("$rid", rid.Value);
            cmd.Parameters.AddWithValue("$version", version.VersionId);
            cmd.Parameters.AddWithValue("$method", (int)version.Method);
            cmd.Parameters.AddWithValue("$updated", SqliteRows.ToUnixMs(version.LastUpdated));
            cmd.Parameters.Add("$json", SqliteType.Blob).Value = version.Json.ToArray();
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await indexWriter.ReplaceAsync(tx, rid.Value, write.Version.IsDeleted ? null : write.Index, ct, isNew);
    }

    private static async Task<(long? Rid, int Version)> CurrentAsync(SqliteConnection connection, SqliteTransaction tx, ResourceKey key, CancellationToken ct)
    {
        await using var cmd = Command(connection, tx);
        cmd.CommandText = "SELECT rid, version FROM resource WHERE type = $type AND id = $id";
        cmd.Parameters.AddWithValue("$type", key.Type);
        cmd.Parameters.AddWithValue("$id", key.Id);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetInt32(1)) : (null, 0);
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction tx)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        return cmd;
    }
}
