using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// Applies resource writes (version check, current pointer, version row, index rows) in the writer connection's open
/// transaction. The current pointer is written at once, since later writes and checks of the same unit read it; the
/// version and index rows are buffered and written by <see cref="Flush"/> with multi-row INSERTs.
/// </summary>
internal sealed class SqliteWrites : IDisposable
{
    private readonly SqliteStatement _current, _insert, _update;
    private readonly SqliteRowBuffer _versions;
    private readonly SqliteIndexWriter _index;

    public SqliteWrites(SqliteConnection writer, SqliteIndexWriter index)
    {
        _index = index;
        _current = new(writer, "SELECT rid, version FROM resource WHERE type = ? AND id = ?");
        _insert = new(writer, "INSERT INTO resource (type, id, version, deleted, last_updated) VALUES (?, ?, ?, ?, ?)");
        _update = new(writer, "UPDATE resource SET version = ?, deleted = ?, last_updated = ? WHERE rid = ?");
        _versions = new(writer, "resource_version", "rid", "version", "method", "last_updated", "json", "patients");
    }

    /// <summary>Stages one write, or throws <see cref="WriteConflictException"/> if the version it replaces is no longer current.</summary>
    public void Apply(ResourceWrite write)
    {
        var version = write.Version;
        _current.Bind(1, version.Key.Type);
        _current.Bind(2, version.Key.Id);
        var found = _current.QueryPair();
        var current = found is { } row ? (int)row.Second : 0;
        if (current != version.VersionId - 1)
            throw new WriteConflictException(
                $"{version.Key} is at version {current}, the write expected {version.VersionId - 1}.");

        var deleted = version.IsDeleted ? 1 : 0;
        var updated = SqliteRows.ToUnixMs(version.LastUpdated);
        long rid;
        if (found is { } existing)
        {
            rid = existing.First;
            Run(_update, version.VersionId, deleted, updated, rid);
        }
        else
        {
            Run(_insert, version.Key.Type, version.Key.Id, version.VersionId, deleted, updated);
            rid = _insert.LastInsertRowId;
        }
        _versions.Add(rid, version.VersionId, (int)version.Method, updated, version.Json, write.Patients);
        _index.Replace(rid, version.Key.Type, version.IsDeleted ? null : write.Index, isNew: found is null);
    }

    /// <summary>Writes the staged version and index rows, in commit order.</summary>
    public void Flush()
    {
        _versions.Flush();
        _index.Flush();
    }

    /// <summary>Drops the staged rows (their unit of work failed and was rolled back).</summary>
    public void Discard()
    {
        _versions.Clear();
        _index.Discard();
    }

    private static void Run(SqliteStatement statement, params ReadOnlySpan<object?> values)
    {
        for (var i = 0; i < values.Length; i++) statement.Bind(i + 1, values[i]);
        statement.Execute();
    }

    public void Dispose()
    {
        _current.Dispose();
        _insert.Dispose();
        _update.Dispose();
        _versions.Dispose();
    }
}
