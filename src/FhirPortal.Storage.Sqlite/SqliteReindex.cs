using System.Globalization;
using FhirPortal.Search;
using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>One batch of $reindex: current versions in rid order, index rows replaced in the caller's transaction.</summary>
internal static class SqliteReindex
{
    public static async Task<ReindexProgress> RunAsync(
        SqliteConnection writer, SqliteTransaction tx, SqliteIndexWriter indexWriter, ReindexBatch batch,
        Func<StoredResource, ResourceIndex> index, CancellationToken ct)
    {
        long after = 0;
        if (batch.Cursor is not null && !long.TryParse(batch.Cursor, NumberStyles.None, CultureInfo.InvariantCulture, out after))
            throw new ArgumentException("The reindex cursor is not valid for this store.");

        var rows = new List<(long Rid, StoredResource Resource)>();
        await using (var cmd = writer.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = $"""
                SELECT r.rid, {SqliteRows.Columns}
                FROM resource r JOIN resource_version v ON v.rid = r.rid AND v.version = r.version
                WHERE r.deleted = 0 AND r.rid > $after
                {(batch.Type is null ? "" : "AND r.type = $type")} {(batch.Id is null ? "" : "AND r.id = $id")}
                ORDER BY r.rid LIMIT $count
                """;
            cmd.Parameters.AddWithValue("$after", after);
            cmd.Parameters.AddWithValue("$count", batch.Count);
            if (batch.Type is not null) cmd.Parameters.AddWithValue("$type", batch.Type);
            if (batch.Id is not null) cmd.Parameters.AddWithValue("$id", batch.Id);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                rows.Add((reader.GetInt64(0), SqliteRows.ToStoredResource(reader, 1)));
        }
        // The access audit reads a version's patients from its row: they follow the compartments rebuilt here.
        await using var patients = writer.CreateCommand();
        patients.Transaction = tx;
        patients.CommandText = "UPDATE resource_version SET patients = $patients WHERE rid = $rid AND version = $version";
        var patientsValue = patients.Parameters.Add("$patients", SqliteType.Text);
        var ridValue = patients.Parameters.Add("$rid", SqliteType.Integer);
        var versionValue = patients.Parameters.Add("$version", SqliteType.Integer);
        foreach (var (rid, resource) in rows)
        {
            var rebuilt = index(resource);
            indexWriter.Replace(rid, resource.Key.Type, rebuilt);
            patientsValue.Value = (object?)ResourceWrite.PatientsOf(rebuilt) ?? DBNull.Value;
            ridValue.Value = rid;
            versionValue.Value = resource.VersionId;
            await patients.ExecuteNonQueryAsync(ct);
        }
        indexWriter.Flush();
        var next = rows.Count == batch.Count ? rows[^1].Rid.ToString(CultureInfo.InvariantCulture) : null;
        return new ReindexProgress(rows.Count, next);
    }
}
