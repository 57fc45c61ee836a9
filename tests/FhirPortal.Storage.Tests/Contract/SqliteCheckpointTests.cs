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

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "fhirportal-store-tests", Guid.NewGuid().ToString("N"));

    public SqliteCheckpointTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { /* the OS cleans temp folders */ }
    }

    [Fact]
    public async Task Commits_past_a_thousand_WAL_pages_leave_the_checkpoint_to_the_checkpointer()
    {
        var path = Path.Combine(_folder, "store.db");
        using var store = new SqliteResourceStore(path, Registry, Timeout.InfiniteTimeSpan);
        // About 6 MB of versions and index rows: past the 1,000 pages (4 MB) at which a COMMIT would checkpoint by itself.
        var padding = new string('x', 1500);
        for (var batch = 0; batch < 40; batch++)
            await store.CommitAsync(Batch([.. Enumerable.Range(0, 50).Select(_ => Version(Patient(NewId(), "Paged" + padding), 1))]), None);
        Assert.True(new FileInfo(path + "-wal").Length > 1000 * 4096, "the test wrote too little to cross the automatic checkpoint");

        Assert.Equal(0, ResourcesInDatabaseFile(path));

        store.Checkpointer.CheckpointIfNeeded();
        Assert.Equal(2000, ResourcesInDatabaseFile(path));
        Assert.Equal(1, store.Checkpointer.Passes);
        store.Checkpointer.CheckpointIfNeeded(); // nothing new committed: no pass
        Assert.Equal(1, store.Checkpointer.Passes);
    }

    [Fact]
    public async Task The_checkpointer_copies_commits_into_the_database_file_on_its_own()
    {
        var path = Path.Combine(_folder, "store.db");
        using var store = new SqliteResourceStore(path, Registry, TimeSpan.FromMilliseconds(50));
        await store.CommitAsync(Batch([.. Enumerable.Range(0, 5).Select(_ => Version(Patient(NewId(), "Background"), 1))]), None);

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (ResourcesInDatabaseFile(path) < 5 && DateTime.UtcNow < deadline) await Task.Delay(50);

        Assert.Equal(5, ResourcesInDatabaseFile(path));
    }

    /// <summary>Resources in a copy of the database file alone, without its WAL: what checkpoints have copied so far.</summary>
    private int ResourcesInDatabaseFile(string path)
    {
        var copy = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".db");
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
