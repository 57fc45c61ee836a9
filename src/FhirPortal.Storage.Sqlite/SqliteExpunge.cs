using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>Removes resources with their whole history and index rows, in the caller's transaction.</summary>
internal static class SqliteExpunge
{
    public static async Task<int> RunAsync(
        SqliteConnection writer, SqliteTransaction tx, SqliteIndexWriter indexWriter, IReadOnlyList<ResourceKey> keys, CancellationToken ct)
    {
        var removed = 0;
        foreach (var key in keys)
        {
            if (await RidAsync(writer, tx, key, ct) is not { } rid) continue;
            // Index rows (and the full-text row) first, then every version, then the resource row itself.
            indexWriter.Replace(rid, key.Type, index: null);
            await ExecuteAsync(writer, tx, "DELETE FROM resource_version WHERE rid = $rid", rid, ct);
            await ExecuteAsync(writer, tx, "DELETE FROM resource WHERE rid = $rid", rid, ct);
            removed++;
        }
        return removed;
    }

    private static async Task<long?> RidAsync(SqliteConnection writer, SqliteTransaction tx, ResourceKey key, CancellationToken ct)
    {
        await using var cmd = writer.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT rid FROM resource WHERE type = $type AND id = $id";
        cmd.Parameters.AddWithValue("$type", key.Type);
        cmd.Parameters.AddWithValue("$id", key.Id);
        return await cmd.ExecuteScalarAsync(ct) is long rid ? rid : null;
    }

    private static async Task ExecuteAsync(SqliteConnection writer, SqliteTransaction tx, string sql, long rid, CancellationToken ct)
    {
        await using var cmd = writer.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$rid", rid);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
