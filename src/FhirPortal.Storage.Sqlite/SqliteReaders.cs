using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// Open read connections kept by the store, each with its read-by-id and read-version commands prepared once: a
/// read rents one, runs the prepared statement and returns it, instead of opening a pooled connection and preparing
/// the query on every request. Connections beyond <see cref="MaxIdle"/> are closed when returned.
/// </summary>
internal sealed class SqliteReaders(string connectionString) : IDisposable
{
    private static readonly int MaxIdle = Math.Max(8, Environment.ProcessorCount * 8);

    private readonly ConcurrentBag<SqliteReader> _idle = [];
    private volatile bool _disposed;

    public async Task<SqliteReader> RentAsync(CancellationToken cancellationToken)
    {
        if (_idle.TryTake(out var reader)) return reader;
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return new SqliteReader(connection);
    }

    public void Return(SqliteReader reader)
    {
        if (_disposed || _idle.Count >= MaxIdle) reader.Dispose();
        else _idle.Add(reader);
        // Disposal may have run between the check and the add: never leave a connection behind it.
        if (_disposed) Drain();
    }

    public void Dispose()
    {
        _disposed = true;
        Drain();
    }

    private void Drain()
    {
        while (_idle.TryTake(out var reader)) reader.Dispose();
    }
}

/// <summary>
/// One open read connection with its prepared reads (the statements stay prepared while the commands live) and its
/// prepared searches (<see cref="Statements"/>).
/// </summary>
internal sealed class SqliteReader : IDisposable
{
    private readonly SqliteCommand _current, _version;

    public SqliteReader(SqliteConnection connection)
    {
        Connection = connection;
        Statements = new SqliteStatementCache(connection);
        _current = Prepare($"""
            SELECT {SqliteRows.Columns}
            FROM resource r JOIN resource_version v ON v.rid = r.rid AND v.version = r.version
            WHERE r.type = $type AND r.id = $id
            """);
        _version = Prepare($"""
            SELECT {SqliteRows.Columns}
            FROM resource r JOIN resource_version v ON v.rid = r.rid
            WHERE r.type = $type AND r.id = $id AND v.version = $version
            """, "$version");
    }

    public SqliteConnection Connection { get; }

    /// <summary>The search statements this connection has prepared.</summary>
    public SqliteStatementCache Statements { get; }

    public Task<StoredResource?> ReadAsync(ResourceKey key, CancellationToken cancellationToken) =>
        ReadSingleAsync(_current, key, null, cancellationToken);

    public Task<StoredResource?> ReadVersionAsync(ResourceKey key, int versionId, CancellationToken cancellationToken) =>
        ReadSingleAsync(_version, key, versionId, cancellationToken);

    private static async Task<StoredResource?> ReadSingleAsync(SqliteCommand cmd, ResourceKey key, int? versionId, CancellationToken cancellationToken)
    {
        cmd.Parameters[0].Value = key.Type;
        cmd.Parameters[1].Value = key.Id;
        if (versionId is { } v) cmd.Parameters[2].Value = v;
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? SqliteRows.ToStoredResource(reader, 0) : null;
    }

    private SqliteCommand Prepare(string sql, params string[] extra)
    {
        var cmd = Connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.Add(new SqliteParameter("$type", SqliteType.Text));
        cmd.Parameters.Add(new SqliteParameter("$id", SqliteType.Text));
        foreach (var name in extra) cmd.Parameters.Add(new SqliteParameter(name, SqliteType.Integer));
        cmd.Prepare();
        return cmd;
    }

    public void Dispose()
    {
        _current.Dispose();
        _version.Dispose();
        Statements.Dispose();
        Connection.Dispose();
    }
}
