using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace FhirPortal.Benchmarks;

/// <summary>
/// The SQLite ceilings: every row the server stored (the same JSON blobs, the same index rows of every index table and
/// the full-text table) copied from its database into a fresh one with the same schema, in as many batched WAL
/// transactions as the server committed (ingest ceiling); and the server's primary-key read query on the server's
/// database with one connection per worker (read ceiling).
/// </summary>
internal sealed class RawSqliteReference
{
    private sealed record TableRows(string Name, string Insert, List<(long Key, object?[] Values)> Rows);

    private readonly List<string> _schema;
    private readonly List<TableRows> _tables;

    private RawSqliteReference(List<string> schema, List<TableRows> tables) => (_schema, _tables) = (schema, tables);

    public int Resources => _tables.Single(t => t.Name == "resource").Rows.Count;

    public long IndexRows => _tables.Where(t => t.Name is not ("resource" or "resource_version")).Sum(t => (long)t.Rows.Count);

    /// <summary>
    /// Reads the schema and every resource-related row of <paramref name="database"/> (the server may be running: WAL
    /// readers never block), or only those of resources after <paramref name="afterRid"/> (<see cref="LastRid"/> before a timed part).
    /// </summary>
    public static RawSqliteReference Capture(string database, long afterRid = 0)
    {
        using var connection = Open(database, SqliteOpenMode.ReadOnly);
        // FTS5 keeps its data in shadow tables (resource_text_*), which CREATE VIRTUAL TABLE makes again.
        const string ours = "name NOT LIKE 'sqlite_%' AND name NOT LIKE 'resource_text_%' AND tbl_name <> 'job'";
        var schema = Strings(connection, $"SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND {ours} ORDER BY type = 'index', rowid");
        var tables = new List<TableRows>();
        foreach (var name in Strings(connection, $"SELECT name FROM sqlite_master WHERE type = 'table' AND {ours} ORDER BY rowid"))
        {
            var columns = Strings(connection, $"SELECT name FROM pragma_table_info('{name}')");
            var (key, select) = name == "resource_text" ? ("rowid", "rowid, " + string.Join(", ", columns))
                : columns.Contains("rid") ? ("rid", string.Join(", ", columns))
                : (null, "");
            if (key is null) continue;
            var names = name == "resource_text" ? columns.Prepend("rowid").ToList() : columns;
            var insert = $"INSERT INTO {name} ({string.Join(", ", names)}) VALUES ({string.Join(", ", names.Select((_, i) => "$p" + i))})";
            var rows = new List<(long, object?[])>();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = $"SELECT {key}, {select} FROM {name} WHERE {key} > {afterRid} ORDER BY {key}";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                var values = new object?[names.Count];
                for (var i = 0; i < values.Length; i++) values[i] = reader.IsDBNull(i + 1) ? null : reader.GetValue(i + 1);
                rows.Add((reader.GetInt64(0), values));
            }
            tables.Add(new TableRows(name, insert, rows));
        }
        return new RawSqliteReference(schema, tables);
    }

    /// <summary>Inserts everything captured into a new database at <paramref name="target"/> in <paramref name="transactions"/> batches; rate = resources/s, latencies per transaction.</summary>
    /// <summary>The last resource row id of <paramref name="database"/> (0 when empty): the rows written after it are a timed part's.</summary>
    public static long LastRid(string database)
    {
        using var connection = Open(database, SqliteOpenMode.ReadOnly);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT coalesce(max(rid), 0) FROM resource";
        return (long)cmd.ExecuteScalar()!;
    }

    public Sample MeasureIngest(string target, int transactions)
    {
        using var connection = Open(target, SqliteOpenMode.ReadWriteCreate);
        Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;");
        foreach (var sql in _schema) Execute(connection, sql);
        var commands = _tables.Select(t => Prepare(connection, t.Insert, t.Rows.FirstOrDefault().Values?.Length ?? 0)).ToArray();
        var rids = _tables.Single(t => t.Name == "resource").Rows.Select(r => r.Key).ToArray();
        var cursors = new int[_tables.Count];
        var latencies = new List<double>(transactions);
        long bytes = 0;
        var meter = CpuMeter.Start(null);
        for (var batch = 0; batch < transactions; batch++)
        {
            var last = rids[Math.Min(rids.Length, (int)((long)(batch + 1) * rids.Length / transactions)) - 1];
            var t0 = Stopwatch.GetTimestamp();
            using (var tx = connection.BeginTransaction())
            {
                for (var t = 0; t < _tables.Count; t++)
                {
                    var rows = _tables[t].Rows;
                    var cmd = commands[t];
                    cmd.Transaction = tx;
                    for (; cursors[t] < rows.Count && rows[cursors[t]].Key <= last; cursors[t]++)
                    {
                        var values = rows[cursors[t]].Values;
                        for (var i = 0; i < values.Length; i++)
                        {
                            cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
                            if (values[i] is byte[] blob) bytes += blob.Length;
                        }
                        cmd.ExecuteNonQuery();
                    }
                }
                tx.Commit();
            }
            latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        var (seconds, client, _) = meter.Stop();
        foreach (var cmd in commands) cmd.Dispose();
        var sorted = latencies.Order().ToArray();
        return new Sample(rids.Length / seconds, Stats.Percentile(sorted, 0.5), Stats.Percentile(sorted, 0.99), bytes / seconds / 1e6,
            client, double.NaN, 0, seconds, rids.Length);
    }

    /// <summary>The server's read-by-id query (current version of Type/id) by <paramref name="concurrency"/> threads, one connection each.</summary>
    public static async Task<Sample> MeasureReadsAsync(string database, (string Type, string Id)[] keys, int concurrency, TimeSpan duration)
    {
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var next = -1;
        long bytes = 0;
        var meter = CpuMeter.Start(null);
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Factory.StartNew(() =>
        {
            var latencies = new List<double>(8192);
            using var connection = Open(database, SqliteOpenMode.ReadOnly);
            using var cmd = Prepare(connection, """
                SELECT r.type, r.id, v.version, v.last_updated, v.method, v.json, v.patients
                FROM resource r JOIN resource_version v ON v.rid = r.rid AND v.version = r.version
                WHERE r.type = $p0 AND r.id = $p1
                """, 2);
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var (type, id) = keys[Interlocked.Increment(ref next) % keys.Length];
                var t0 = Stopwatch.GetTimestamp();
                cmd.Parameters[0].Value = type;
                cmd.Parameters[1].Value = id;
                using (var reader = cmd.ExecuteReader())
                    if (reader.Read()) Interlocked.Add(ref bytes, reader.GetFieldValue<byte[]>(5).Length);
                latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
            return latencies;
        }, TaskCreationOptions.LongRunning)).ToList();
        var all = (await Task.WhenAll(workers)).SelectMany(l => l).Order().ToArray();
        var (seconds, client, _) = meter.Stop();
        return new Sample(all.Length / seconds, Stats.Percentile(all, 0.5), Stats.Percentile(all, 0.99), bytes / seconds / 1e6,
            client, double.NaN, 0, seconds, all.Length);
    }

    /// <summary>Bytes of the database files (main file and WAL, after a full checkpoint) per stored resource.</summary>
    public static double DiskBytesPerResource(string database)
    {
        long resources;
        using (var connection = Open(database, SqliteOpenMode.ReadWrite))
        {
            Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT count(*) FROM resource";
            resources = (long)cmd.ExecuteScalar()!;
        }
        var directory = Path.GetDirectoryName(database)!;
        var bytes = Directory.GetFiles(directory, Path.GetFileName(database) + "*").Sum(f => new FileInfo(f).Length);
        return (double)bytes / resources;
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false, DefaultTimeout = 30 }.ToString());
        connection.Open();
        return connection;
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, int parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        for (var i = 0; i < parameters; i++) cmd.Parameters.Add(new SqliteParameter("$p" + i, DBNull.Value));
        return cmd;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static List<string> Strings(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var values = new List<string>();
        while (reader.Read()) values.Add(reader.GetString(0));
        return values;
    }
}
