using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// Copies committed WAL frames into the database file on a background thread of its own, with PASSIVE checkpoints on
/// its own connection, so that no commit pays for a checkpoint. (With SQLite's automatic checkpoint, the COMMIT that
/// crossed 1,000 WAL pages ran the checkpoint and its fsyncs while holding the store's writer lock: under concurrent
/// bookings about one commit in six took 5–40 ms and every waiting writer queued behind it.) A PASSIVE checkpoint
/// neither waits for nor blocks readers and the writer; frames a reader still needs are copied on a later pass.
/// </summary>
internal sealed class SqliteCheckpointer : IDisposable
{
    /// <summary>How often the WAL is checked for new commits; also the bound on how long a commit stays un-synced (power loss).</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(200);

    private readonly SqliteConnection _connection;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _seenVersion = -1;
    private bool _behind;
    private long _passes;

    /// <param name="connectionString">The store's database.</param>
    /// <param name="interval">Time between checks; <see cref="Timeout.InfiniteTimeSpan"/> starts no thread (tests).</param>
    public SqliteCheckpointer(string connectionString, TimeSpan interval)
    {
        _interval = interval;
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite checkpointer" };
        if (interval != Timeout.InfiniteTimeSpan) _thread.Start();
    }

    /// <summary>Checkpoints that copied frames since start-up, for tests.</summary>
    public long Passes => Interlocked.Read(ref _passes);

    private void Run()
    {
        while (!_stop.Token.WaitHandle.WaitOne(_interval))
        {
            try
            {
                CheckpointIfNeeded();
            }
            catch (SqliteException)
            {
                // Busy (another connection's checkpoint, e.g. one closing) or an I/O error: the next pass tries again,
                // and a commit never depends on this pass (its frames are already in the WAL).
                _behind = true;
            }
        }
    }

    /// <summary>Runs one PASSIVE checkpoint if anything was committed since the last one or frames were left behind.</summary>
    internal void CheckpointIfNeeded()
    {
        // data_version changes whenever another connection commits: a cheap look at the WAL index, no I/O.
        var version = Scalar("PRAGMA data_version");
        if (version == _seenVersion && !_behind) return;
        _seenVersion = version;
        using var command = _connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        using var reader = command.ExecuteReader();
        reader.Read();
        // (busy, frames in the WAL, frames copied): frames a reader still pins are copied by a later pass.
        var (frames, copied) = (reader.GetInt64(1), reader.GetInt64(2));
        _behind = copied < frames;
        if (copied > 0) Interlocked.Increment(ref _passes);
    }

    private long Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    public void Dispose()
    {
        _stop.Cancel();
        if (_thread.IsAlive) _thread.Join();
        _connection.Dispose();
        _stop.Dispose();
    }
}
