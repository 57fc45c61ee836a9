using FhirPortal.Search;
using FhirPortal.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using static FhirPortal.Storage.Tests.Contract.TestResources;

namespace FhirPortal.Storage.Tests.Contract;

/// <summary>
/// The SQLite store's write path: units of work that wait for the writer commit together, each keeping its own
/// checks (a failing unit is rolled back alone); index and version rows go in as multi-row INSERTs.
/// </summary>
public sealed class SqliteGroupCommitTests : IDisposable
{
    private static CancellationToken None => CancellationToken.None;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "fhirportal-store-tests", Guid.NewGuid().ToString("N"));
    private readonly SqliteResourceStore _store;

    public SqliteGroupCommitTests()
    {
        Directory.CreateDirectory(_folder);
        _store = new SqliteResourceStore(Path.Combine(_folder, "store.db"), Registry);
    }

    public void Dispose()
    {
        _store.Dispose();
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { /* the OS cleans temp folders */ }
    }

    [Fact]
    public async Task Units_waiting_for_the_writer_commit_in_one_transaction_and_each_is_acknowledged()
    {
        var waiting = await HoldWriterAsync();
        var writes = Enumerable.Range(0, 20).Select(_ => Version(Patient(NewId(), "Grouped"), 1)).ToList();
        var commits = writes.Select(w => _store.CommitAsync(Batch(w), None)).ToList();
        await Task.Delay(100);
        Assert.All(commits, c => Assert.False(c.IsCompleted)); // nothing is acknowledged before its commit
        var groupsBefore = _store.CommitGroups;

        await waiting.ReleaseAsync();
        await Task.WhenAll(commits);

        Assert.Equal(1, _store.CommitGroups - groupsBefore);
        foreach (var write in writes) Assert.NotNull(await _store.ReadAsync(write.Version.Key, None));
        Assert.Equal(20, (await _store.SearchAsync(Query("Patient", ("family", "grouped")) with { Total = TotalMode.Accurate }, None)).Total);
    }

    [Fact]
    public async Task A_unit_whose_check_fails_in_a_group_is_rolled_back_alone_with_its_own_conflict()
    {
        var (shared, identifier) = (NewId(), NewId());
        await _store.CommitAsync(Batch(Version(Patient(shared, "Base"), 1)), None);
        var waiting = await HoldWriterAsync();

        var first = Version(Patient(NewId(), "First", identifier), 1);
        var winner = Batch(Version(Patient(shared, "Winner"), 2), Version(Observation(NewId(), shared, "1111-1"), 1));
        // Same base version as the winner: its whole unit, including the new Observation, must be rolled back.
        var loserObservation = Version(Observation(NewId(), shared, "2222-2"), 1);
        var loser = Batch(loserObservation, Version(Patient(shared, "Loser"), 2));
        // A conditional create whose criteria match the first unit of the same group.
        var criteria = SearchQuery.Criteria("Patient", Query("Patient", ("identifier", "urn:test|" + identifier)).Conditions);
        var duplicate = new WriteBatch([Version(Patient(NewId(), "Duplicate", identifier), 1)], [criteria]);
        var last = Version(Patient(NewId(), "Last"), 1);

        var outcomes = new[] { Batch(first), winner, loser, duplicate, Batch(last) }.Select(b => _store.CommitAsync(b, None)).ToList();
        await waiting.ReleaseAsync();
        await Task.WhenAll(outcomes.Select(o => o.ContinueWith(_ => { }, TaskScheduler.Default)));

        Assert.Equal([true, true, false, false, true], outcomes.Select(o => o.IsCompletedSuccessfully));
        Assert.IsType<WriteConflictException>(outcomes[2].Exception!.InnerException);
        Assert.IsType<WriteConflictException>(outcomes[3].Exception!.InnerException);
        Assert.Contains("Winner", Text((await _store.ReadAsync(new ResourceKey("Patient", shared), None))!));
        Assert.Null(await _store.ReadAsync(loserObservation.Version.Key, None));
        Assert.Null(await _store.ReadAsync(duplicate.Writes[0].Version.Key, None));
        Assert.Empty((await _store.SearchAsync(Query("Observation", ("code", "2222-2")), None)).Entries);
        Assert.Empty((await _store.SearchAsync(Query("Patient", ("family", "duplicate")), None)).Entries);
        Assert.Single((await _store.SearchAsync(Query("Observation", ("code", "1111-1")), None)).Entries);
        Assert.NotNull(await _store.ReadAsync(last.Version.Key, None));
    }

    [Fact]
    public async Task A_group_whose_commit_fails_answers_every_unit_with_the_error_and_the_store_stays_usable()
    {
        var waiting = await HoldWriterAsync();
        var writes = Enumerable.Range(0, 6).Select(_ => Version(Patient(NewId(), "Refused"), 1)).ToList();
        var commits = writes.Select(w => _store.CommitAsync(Batch(w), None)).ToList();
        // The commit hook turns a COMMIT into a rollback (SQLITE_CONSTRAINT_COMMITHOOK), as a full disk or an I/O
        // error at COMMIT would. The held writer (a reindex batch) commits first, then the waiting units' group.
        var commitsSeen = 0;
        SQLitePCL.raw.sqlite3_commit_hook(_store.Writer.Handle, _ => Interlocked.Increment(ref commitsSeen) == 2 ? 1 : 0, null);
        var groupsBefore = _store.CommitGroups;

        await waiting.ReleaseAsync();
        await Task.WhenAll(commits.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));

        Assert.Equal(1, _store.CommitGroups - groupsBefore); // all six were in the failed group
        Assert.All(commits, c => Assert.IsType<SqliteException>(c.Exception?.InnerException));
        foreach (var write in writes) Assert.Null(await _store.ReadAsync(write.Version.Key, None));
        Assert.Empty((await _store.SearchAsync(Query("Patient", ("family", "refused")), None)).Entries);

        var after = Version(Patient(NewId(), "AfterFailure"), 1);
        await _store.CommitAsync(Batch(after), None);
        Assert.Equal(3, commitsSeen);
        Assert.NotNull(await _store.ReadAsync(after.Version.Key, None));
        Assert.Single((await _store.SearchAsync(Query("Patient", ("family", "afterfailure")), None)).Entries);
        SQLitePCL.raw.sqlite3_commit_hook(_store.Writer.Handle, null, null);
    }

    [Fact]
    public async Task A_caller_that_gives_up_while_waiting_for_the_writer_commits_nothing()
    {
        var waiting = await HoldWriterAsync();
        var write = Version(Patient(NewId(), "Abandoned"), 1);
        using var cancel = new CancellationTokenSource();
        var commit = _store.CommitAsync(Batch(write), cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => commit);

        await waiting.ReleaseAsync();
        await _store.CommitAsync(Batch(Version(Patient(NewId(), "After"), 1)), None);
        Assert.Null(await _store.ReadAsync(write.Version.Key, None));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(200)]
    public async Task Every_row_of_a_large_unit_is_written_whatever_the_chunking(int resources)
    {
        var patient = NewId();
        var writes = Enumerable.Range(0, resources).Select(i => Version(Observation(NewId(), patient, $"{i}-0"), 1)).ToArray();
        await _store.CommitAsync(Batch([Version(Patient(patient, "Many"), 1), .. writes]), None);

        var all = await _store.SearchAsync(Query("Observation", ("subject", "Patient/" + patient)) with { Total = TotalMode.Accurate }, None);
        Assert.Equal(resources, all.Total);
        foreach (var i in new[] { 0, resources / 2, resources - 1 })
            Assert.Equal(writes[i].Version.Key, Assert.Single((await _store.SearchAsync(Query("Observation", ("code", $"{i}-0")), None)).Entries).Key);
    }

    [Fact]
    public async Task A_resource_written_twice_in_one_unit_keeps_only_the_second_versions_index()
    {
        var id = NewId();
        await _store.CommitAsync(Batch(Version(Patient(id, "Earlier"), 1), Version(Patient(id, "Later"), 2)), None);

        Assert.Empty((await _store.SearchAsync(Query("Patient", ("family", "earlier")), None)).Entries);
        Assert.Single((await _store.SearchAsync(Query("Patient", ("family", "later")), None)).Entries);
        Assert.Contains("Earlier", Text((await _store.ReadVersionAsync(new ResourceKey("Patient", id), 1, None))!));
    }

    [Fact]
    public void The_bundled_SQLite_allows_the_parameters_a_full_chunk_needs()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, "limit.db")}");
        connection.Open();
        // SQLITE_MAX_VARIABLE_NUMBER of the e_sqlite3 build Microsoft.Data.Sqlite bundles (SQLite's default since 3.32).
        Assert.Equal(32_766, SqliteStatement.VariableLimit(connection));
        using var quantities = new SqliteRowBuffer(connection, "t", [.. Enumerable.Range(0, 13).Select(i => "c" + i)]);
        Assert.Equal(64, quantities.MaxRows);
    }

    /// <summary>
    /// Holds the store's writer lock the way a long $reindex batch does (the index callback runs under it), so the
    /// commits a test starts queue up behind it.
    /// </summary>
    private async Task<WriterHold> HoldWriterAsync()
    {
        var blocker = NewId();
        await _store.CommitAsync(Batch(Version(Patient(blocker, "Blocker"), 1)), None);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new ManualResetEventSlim();
        var reindex = Task.Run(() => _store.ReindexAsync(new ReindexBatch("Patient", blocker, null, 1), _ =>
        {
            entered.TrySetResult();
            gate.Wait();
            return new ResourceIndex();
        }, None));
        await entered.Task;
        return new WriterHold(gate, reindex);
    }

    private sealed class WriterHold(ManualResetEventSlim gate, Task reindex)
    {
        public async Task ReleaseAsync()
        {
            gate.Set();
            await reindex;
            gate.Dispose();
        }
    }
}
