using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// Copies committed WAL frames into the database file on a background thread of its own, with PASSIVE checkpoints on
/// its own connection, so that no commit pays for a checkpoint. (With SQLite's automatic checkpoint, the COMMIT that
/// crossed 1,000 WAL pages ran the checkpoint and its fsyncs while holding the store's writer lock: under concurrent
/// bookings about one commit in six took 5–40 ms and every waiting writer queued behind it.) A PASSIVE checkpoint
/// neither waits for nor blocks readers and the writer; frames a reader still needs are copied on a later pass.
/// </summary>
/// <remarks>
/// SQLite starts the WAL over only when a write begins with every frame already copied. Under steady writes a commit
/// nearly always lands during an unlocked pass, so once the WAL passes <see cref="RestartFrames"/> a short catch-up pass
/// runs under the store's writer lock: it copies only the frames committed meanwhile, and the next write starts the WAL
/// over (cut back to the writer's journal_size_limit).
/// </remarks>
internal sealed class SqliteCheckpointer : IDisposable
{
    /// <summary>How often the WAL is checked for new commits; also the bound on how long a commit stays un-synced (power loss).</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>WAL frames (pages, 4 KB by default) past which a pass catches up under the writer lock so the WAL restarts.</summary>
    public const int RestartFrames = 4096;

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _writeLock;
    private readonly ILogger? _logger;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly Lock _gate = new();
    private long _seenVersion = -1;
    private bool _behind;
    private long _runs, _failures;
    private int _disposed;

    /// <param name="connectionString">The store's database.</param>
    /// <param name="writeLock">The store's writer lock, held only for a catch-up pass.</param>
    /// <param name="interval">Time between checks; <see cref="Timeout.InfiniteTimeSpan"/> starts no thread (tests).</param>
    /// <param name="logger">Where failed passes are reported.</param>
    public SqliteCheckpointer(string connectionString, SemaphoreSlim writeLock, TimeSpan interval, ILogger? logger)
    {
        _writeLock = writeLock;
        _interval = interval;
        _logger = logger;
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite checkpointer" };
        if (interval != Timeout.InfiniteTimeSpan) _thread.Start();
    }

    /// <summary>Checkpoints run since start-up (catch-up passes included), for tests.</summary>
    public long Runs => Interlocked.Read(ref _runs);

    /// <summary>Passes that failed since start-up (each is retried by the next).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    private void Run()
    {
        while (!_stop.Token.WaitHandle.WaitOne(_interval))
        {
            try
            {
                CheckpointIfNeeded();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return; // disposed while waiting for the writer lock
            }
            catch (Exception e)
            {
                // Busy, an I/O error, a full disk: a commit never depends on this pass (its frames are in the WAL), and
                // the next pass tries again. Logged once per ten failures so a persistent fault is seen, not flooded.
                lock (_gate) _behind = true;
                if (Interlocked.Increment(ref _failures) % 10 == 1) _logger?.LogError(e, "SQLite WAL checkpoint failed ({Failures} failures since start-up)", Failures);
            }
        }
    }

    /// <summary>Runs a PASSIVE checkpoint if anything was committed since the last one or frames were left behind.</summary>
    internal void CheckpointIfNeeded()
    {
        lock (_gate)
        {
            // data_version changes whenever another connection commits: a cheap look at the WAL index, no I/O.
            var version = DataVersion();
            if (version == _seenVersion && !_behind) return;
            _seenVersion = version;
            var (busy, frames, copied) = Checkpoint();
            if (!busy && frames > RestartFrames)
            {
                _writeLock.Wait(_stop.Token);
                try { (busy, frames, copied) = Checkpoint(); }
                finally { _writeLock.Release(); }
            }
            // Busy (another connection checkpointing) reports -1s: not caught up either.
            _behind = busy || copied < frames;
        }
    }

    private (bool Busy, long Frames, long Copied) Checkpoint()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        using var reader = command.ExecuteReader();
        if (!reader.Read()) throw new InvalidOperationException("PRAGMA wal_checkpoint returned no row.");
        Interlocked.Increment(ref _runs);
        // (busy, frames in the WAL, frames copied so far): frames a reader still pins are copied by a later pass.
        return (reader.GetInt64(0) != 0, reader.GetInt64(1), reader.GetInt64(2));
    }

    private long DataVersion()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "PRAGMA data_version";
        return (long)command.ExecuteScalar()!;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stop.Cancel();
        // A pass stuck in the file system must not hold up shutdown for long; the writer's close checkpoints anyway.
        if (_thread.IsAlive && !_thread.Join(TimeSpan.FromSeconds(10))) return;
        _connection.Dispose();
        _stop.Dispose();
    }
}
