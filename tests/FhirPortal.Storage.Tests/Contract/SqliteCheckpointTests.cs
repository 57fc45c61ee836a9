using FhirPortal.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using static FhirPortal.Storage.Tests.Contract.TestResources;

namespace FhirPortal.Storage.Tests.Contract;

/// <summary>
/// WAL checkpoints run on the store's background checkpointer, never inside a COMMIT: what the database file itself
/// (without its WAL) holds shows which of the two copied the committed pages.
/// </summary>
public sealed class SqliteCheckpointTests : IDisposable
{
    private static CancellationToken None => CancellationToken.None;

    private readonly SqliteTestFolder _store = new();

    public SqliteCheckpointTests() => Directory.CreateDirectory(Folder);

    private string Folder => Path.GetDirectoryName(_store.DatabasePath)!;

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Commits_past_a_thousand_WAL_pages_leave_the_checkpoint_to_the_checkpointer()
    {
        var path = _store.DatabasePath;
        using var store = new SqliteResourceStore(path, Registry, Timeout.InfiniteTimeSpan);
        // About 6 MB of versions and index rows: past the 1,000 pages (4 MB) at which a COMMIT would checkpoint by itself.
        var padding = new string('x', 1500);
        for (var batch = 0; batch < 40; batch++)
            await store.CommitAsync(Batch([.. Enumerable.Range(0, 50).Select(_ => Version(Patient(NewId(), "Paged" + padding), 1))]), None);
        Assert.True(new FileInfo(path + "-wal").Length > 1000 * 4096, "the test wrote too little to cross the automatic checkpoint");

        Assert.Equal(0, ResourcesInDatabaseFile(path));

        store.Checkpointer.CheckpointIfNeeded();
        Assert.Equal(2000, ResourcesInDatabaseFile(path));
        var runs = store.Checkpointer.Runs;
        Assert.True(runs > 0);
        store.Checkpointer.CheckpointIfNeeded(); // nothing new committed: no pass
        Assert.Equal(runs, store.Checkpointer.Runs);
    }

    [Fact]
    public async Task Under_steady_commits_the_WAL_restarts_instead_of_growing()
    {
        var path = _store.DatabasePath;
        using var store = new SqliteResourceStore(path, Registry, TimeSpan.FromMilliseconds(20));
        var padding = new string('x', 1500);
        long largest = 0;
        // About 150 MB of WAL frames committed back to back: the writer is nearly always busy, so only a catch-up pass
        // under the writer lock lets the WAL start over.
        for (var batch = 0; batch < 80; batch++)
        {
            await store.CommitAsync(Batch([.. Enumerable.Range(0, 50).Select(_ => Version(Patient(NewId(), "Steady" + padding), 1))]), None);
            largest = Math.Max(largest, new FileInfo(path + "-wal").Length);
        }

        Assert.Equal(0, store.Checkpointer.Failures);
        // The catch-up threshold (16 MB) plus what commits between two passes, far below what was written.
        Assert.True(largest < 48L << 20, $"the WAL grew to {largest >> 20} MB");
    }

    [Fact]
    public async Task The_checkpointer_copies_commits_into_the_database_file_on_its_own()
    {
        var path = _store.DatabasePath;
        using var store = new SqliteResourceStore(path, Registry, TimeSpan.FromMilliseconds(50));
        await store.CommitAsync(Batch([.. Enumerable.Range(0, 5).Select(_ => Version(Patient(NewId(), "Background"), 1))]), None);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (CopiedSoFar(path) < 5 && DateTime.UtcNow < deadline) await Task.Delay(50);

        Assert.Equal(5, ResourcesInDatabaseFile(path));
    }

    // A copy taken while a pass writes the file can be torn: read as nothing copied yet, and look again.
    private int CopiedSoFar(string path)
    {
        try { return ResourcesInDatabaseFile(path); }
        catch (SqliteException) { return 0; }
    }

    /// <summary>Resources in a copy of the database file alone, without its WAL: what checkpoints have copied so far.</summary>
    private int ResourcesInDatabaseFile(string path)
    {
        var copy = Path.Combine(Folder, Guid.NewGuid().ToString("N") + ".db");
        File.Copy(path, copy);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = copy, Pooling = false }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        // Before the first checkpoint even the schema is only in the WAL.
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE name = 'resource'";
        if (Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0) return 0;
        command.CommandText = "SELECT count(*) FROM resource";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
