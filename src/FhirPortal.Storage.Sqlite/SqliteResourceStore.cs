using FhirPortal.Search;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode. All writes go through one connection under a lock
/// (SQLite has one writer anyway), units of work that wait for it are committed together (<see cref="SqliteGroupCommit"/>);
/// reads use their own connections with prepared reads (<see cref="SqliteReaders"/>) and never block on writes.
/// </summary>
public sealed class SqliteResourceStore : IResourceStore, IDisposable
{
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SqliteIndexWriter _indexWriter;
    private readonly SqliteWrites _writes;
    private readonly SqliteStatementCache _writerStatements;
    private readonly SqliteGroupCommit _commits;
    private readonly SqliteReaders _readers;
    private readonly SearchParameterRegistry _registry;
    private readonly SqliteCheckpointer _checkpointer;

    /// <param name="databasePath">The SQLite file (created if missing).</param>
    /// <param name="registry">The search parameters the index rows are written for.</param>
    /// <param name="logger">Where background failures (a WAL checkpoint that failed) are reported.</param>
    public SqliteResourceStore(string databasePath, SearchParameterRegistry registry, ILogger<SqliteResourceStore>? logger = null)
        : this(databasePath, registry, SqliteCheckpointer.DefaultInterval, logger)
    {
    }

    /// <param name="checkpointInterval">How often the background checkpointer runs; infinite runs none (tests).</param>
    internal SqliteResourceStore(string databasePath, SearchParameterRegistry registry, TimeSpan checkpointInterval, ILogger? logger = null)
    {
        _registry = registry;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _writer = new SqliteConnection(_connectionString);
        _writer.Open();
        SqliteSchema.Apply(_writer);
        // Note: NORMAL is durable in WAL mode except for the last transactions on power loss, the usual trade-off: a
        // COMMIT has written its WAL frames to the OS (so a killed process loses nothing acknowledged), and the WAL is
        // synced to disk at checkpoints rather than at every commit. Checkpoints run on SqliteCheckpointer's thread,
        // not in the COMMIT that crosses 1,000 pages (wal_autocheckpoint=0), so they hold up no writer; a WAL that
        // grew large (a big import) is cut back to 32 MB when it restarts.
        // The writer walks the resource and index b-trees on every write: with SQLite's default 2 MB page cache, ingest
        // profiles spent much of their time re-reading evicted pages through pread. A 64 MB cache keeps the hot index
        // pages at hand. (Memory-mapping the file was tried: no measurable gain, and the process's resident memory then
        // counts every mapped page of the database.)
        Execute(_writer, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=33554432;");
        _indexWriter = new SqliteIndexWriter(_writer);
        _writes = new SqliteWrites(_writer, _indexWriter);
        _writerStatements = new SqliteStatementCache(_writer);
        _commits = new SqliteGroupCommit(_writer, _writerStatements, _writeLock, _writes, registry);
        _readers = new SqliteReaders(_connectionString);
        _checkpointer = new SqliteCheckpointer(_connectionString, _writeLock, checkpointInterval, logger);
    }

    /// <summary>The background checkpointer, for tests.</summary>
    internal SqliteCheckpointer Checkpointer => _checkpointer;

    public async Task<StoredResource?> ReadAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var reader = await _readers.RentAsync(cancellationToken);
        try { return await reader.ReadAsync(key, cancellationToken); }
        finally { _readers.Return(reader); }
    }

    public async Task<IReadOnlyList<StoredResource>> ReadManyAsync(IReadOnlyCollection<ResourceKey> keys, CancellationToken cancellationToken)
    {
        var reader = await _readers.RentAsync(cancellationToken);
        try { return await SqliteReadMany.ReadAsync(reader.Connection, keys, cancellationToken); }
        finally { _readers.Return(reader); }
    }

    public async Task<StoredResource?> ReadVersionAsync(ResourceKey key, int versionId, CancellationToken cancellationToken)
    {
        var reader = await _readers.RentAsync(cancellationToken);
        try { return await reader.ReadVersionAsync(key, versionId, cancellationToken); }
        finally { _readers.Return(reader); }
    }

    public Task CommitAsync(WriteBatch batch, CancellationToken cancellationToken) => _commits.CommitAsync(batch, cancellationToken);

    /// <summary>How many commit transactions ran (units committed together count once), for tests.</summary>
    internal long CommitGroups => _commits.Groups;

    /// <summary>The writer connection, for tests that make its COMMIT fail (a commit hook).</summary>
    internal SqliteConnection Writer => _writer;

    public async Task<Page> HistoryAsync(HistoryQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        return await SqliteHistory.QueryAsync(connection, query, cancellationToken);
    }

    /// <summary>SQLite's plan of a search's page query, for tests.</summary>
    internal async Task<IReadOnlyList<string>> ExplainAsync(SearchQuery query, CancellationToken cancellationToken)
    {
        var reader = await _readers.RentAsync(cancellationToken);
        try { return await SqliteSearch.ExplainAsync(reader.Statements, query, _registry, cancellationToken); }
        finally { _readers.Return(reader); }
    }

    // A kept read connection, whose statement cache spares repeated searches their parsing and planning.
    public async Task<Page> SearchAsync(SearchQuery query, CancellationToken cancellationToken)
    {
        var reader = await _readers.RentAsync(cancellationToken);
        try { return await SqliteSearch.QueryAsync(reader.Statements, query, _registry, cancellationToken); }
        finally { _readers.Return(reader); }
    }

    public async Task<ReindexProgress> ReindexAsync(ReindexBatch batch, Func<StoredResource, ResourceIndex> index, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            using var tx = _writer.BeginTransaction(deferred: false);
            var progress = await SqliteReindex.RunAsync(_writer, tx, _indexWriter, batch, index, cancellationToken);
            tx.Commit();
            return progress;
        }
        finally
        {
            _indexWriter.Discard(); // rows left staged by a failed batch (rolled back with its transaction)
            _writeLock.Release();
        }
    }

    public async Task<int> ExpungeAsync(IReadOnlyList<ResourceKey> keys, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            using var tx = _writer.BeginTransaction(deferred: false);
            var removed = await SqliteExpunge.RunAsync(_writer, tx, _indexWriter, keys, cancellationToken);
            tx.Commit();
            return removed;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task SaveJobAsync(JobRecord job, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var cmd = _writer.CreateCommand();
            cmd.CommandText = "INSERT INTO job (id, kind, state, version) VALUES ($id, $kind, $state, (SELECT n + 1 FROM job_version)) ON CONFLICT (id) DO UPDATE SET state = excluded.state, version = job.version + 1";
            cmd.Parameters.AddWithValue("$id", job.Id);
            cmd.Parameters.AddWithValue("$kind", job.Kind);
            cmd.Parameters.AddWithValue("$state", job.State);
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<string?> TrySaveJobAsync(JobRecord job, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            // One statement decides: another process on the same file is serialized by SQLite's own write lock. A new
            // record's version is above every job version given out before (schema v7), so it never repeats for an id.
            await using var cmd = _writer.CreateCommand();
            cmd.CommandText = job.Version is null
                ? "INSERT INTO job (id, kind, state, version) VALUES ($id, $kind, $state, (SELECT n + 1 FROM job_version)) ON CONFLICT (id) DO NOTHING RETURNING version"
                : "UPDATE job SET state = $state, version = version + 1 WHERE id = $id AND version = $version RETURNING version";
            cmd.Parameters.AddWithValue("$id", job.Id);
            cmd.Parameters.AddWithValue("$kind", job.Kind);
            cmd.Parameters.AddWithValue("$state", job.State);
            cmd.Parameters.AddWithValue("$version", long.TryParse(job.Version, out var version) ? version : -1);
            return await cmd.ExecuteScalarAsync(cancellationToken) is long saved ? saved.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<JobRecord?> ReadJobAsync(string id, CancellationToken cancellationToken) =>
        (await QueryJobsAsync("id = $p", id, cancellationToken)).FirstOrDefault();

    public Task<IReadOnlyList<JobRecord>> ListJobsAsync(string kind, CancellationToken cancellationToken) =>
        QueryJobsAsync("kind = $p", kind, cancellationToken);

    public Task<IReadOnlyList<JobRecord>> ListJobsByKindPrefixAsync(string kindPrefix, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(kindPrefix);
        // Its last character + 1 must be a character that sorts after it: not past U+FFFF, not into or out of a surrogate.
        if (kindPrefix[^1] == char.MaxValue || char.IsSurrogate(kindPrefix[^1]) || char.IsSurrogate((char)(kindPrefix[^1] + 1)))
            throw new ArgumentException("A job kind prefix cannot end in U+FFFF or a surrogate.", nameof(kindPrefix));
        // A range on ix_job_kind: every kind from the prefix up to (not including) the prefix with its last character + 1.
        var end = kindPrefix[..^1] + (char)(kindPrefix[^1] + 1);
        return QueryJobsAsync("kind >= $p AND kind < $end", kindPrefix, cancellationToken, end);
    }

    public async Task<bool> DeleteJobAsync(string id, string? version, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var cmd = _writer.CreateCommand();
            cmd.CommandText = version is null ? "DELETE FROM job WHERE id = $id" : "DELETE FROM job WHERE id = $id AND version = $version";
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$version", long.TryParse(version, out var expected) ? expected : -1);
            return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<IReadOnlyList<JobRecord>> QueryJobsAsync(string where, string value, CancellationToken cancellationToken, string? end = null)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT id, kind, state, version FROM job WHERE {where} ORDER BY id";
        cmd.Parameters.AddWithValue("$p", value);
        if (end is not null) cmd.Parameters.AddWithValue("$end", end);
        var jobs = new List<JobRecord>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            jobs.Add(new JobRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.GetInt64(3).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return jobs;
    }

    public void Dispose()
    {
        _checkpointer.Dispose();
        _readers.Dispose();
        _writes.Dispose();
        _writerStatements.Dispose();
        _indexWriter.Dispose();
        _writer.Dispose();
        _writeLock.Dispose();
        // Release pooled handles so the database file can be moved or deleted (tests, restarts).
        SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
    }

    private async Task<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
