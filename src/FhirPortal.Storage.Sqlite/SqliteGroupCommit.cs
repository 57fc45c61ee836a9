using System.Collections.Concurrent;
using FhirPortal.Search;
using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// Group commit: units of work queue up for the writer; whoever holds the writer lock commits the waiting units (up to
/// a bound) in one SQLite transaction, each under its own SAVEPOINT, so a unit whose version check or conditional
/// create fails is rolled back alone and gets its own conflict while the others commit. Every caller is answered
/// only after the shared COMMIT has returned, so an acknowledged write is as durable as a lone commit.
/// </summary>
internal sealed class SqliteGroupCommit(SqliteConnection writer, SqliteStatementCache conditions, SemaphoreSlim writeLock, SqliteWrites writes, SearchParameterRegistry registry)
{
    // Bounds keep one transaction (and the callers waiting on it) short; past them the leader starts another group.
    private const int MaxUnits = 32;
    private const int MaxWrites = 4096;

    private readonly ConcurrentQueue<Unit> _waiting = new();
    private long _groups;

    /// <summary>How many group transactions were attempted (for tests: several waiting units make one).</summary>
    public long Groups => Interlocked.Read(ref _groups);

    /// <summary>Commits <paramref name="batch"/> (possibly together with other waiting units) or throws its own conflict.</summary>
    public async Task CommitAsync(WriteBatch batch, CancellationToken cancellationToken)
    {
        var unit = new Unit(batch);
        _waiting.Enqueue(unit);
        try
        {
            await writeLock.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (!unit.TryWithdraw())
        {
            // Another caller's group already took this unit: its outcome stands, cancelled or not.
            await unit.Outcome;
            return;
        }
        try
        {
            // An earlier holder may have committed this unit with its group; otherwise lead groups until it is done.
            while (!unit.Outcome.IsCompleted) await CommitGroupAsync(TakeGroup());
        }
        finally
        {
            writeLock.Release();
        }
        await unit.Outcome;
    }

    private List<Unit> TakeGroup()
    {
        var group = new List<Unit>();
        var writeCount = 0;
        while (group.Count < MaxUnits && _waiting.TryPeek(out var next)
            && (group.Count == 0 || writeCount + next.Batch.Writes.Count <= MaxWrites))
        {
            _waiting.TryDequeue(out _);
            if (!next.TryTake()) continue; // its caller gave up before the writer reached it
            group.Add(next);
            writeCount += next.Batch.Writes.Count;
        }
        // The caller's own unit is queued until taken, so a holder whose unit is not done always finds work.
        if (group.Count == 0 && _waiting.IsEmpty) throw new InvalidOperationException("The commit queue lost a unit of work.");
        return group;
    }

    private async Task CommitGroupAsync(List<Unit> group)
    {
        if (group.Count == 0) return;
        Interlocked.Increment(ref _groups);
        var committed = new List<Unit>(group.Count);
        try
        {
            using var tx = writer.BeginTransaction(deferred: false);
            // A lone unit needs no savepoint: its failure rolls back the whole transaction.
            var savepoints = group.Count > 1;
            foreach (var unit in group)
            {
                if (savepoints) tx.Save("unit");
                try
                {
                    await ApplyAsync(tx, unit.Batch);
                    if (savepoints) tx.Release("unit");
                    committed.Add(unit);
                }
                catch (Exception e) when (savepoints)
                {
                    // If the failure broke the transaction itself, the rollback throws and the whole group fails below.
                    writes.Discard();
                    tx.Rollback("unit");
                    tx.Release("unit");
                    unit.Fail(e);
                }
            }
            tx.Commit();
        }
        catch (Exception e)
        {
            // Nothing of the group was committed: every unit not yet answered fails with the cause.
            writes.Discard();
            foreach (var unit in group) unit.Fail(e);
            return;
        }
        foreach (var unit in committed) unit.Succeed();
    }

    // The group's work is not cancelled by one caller's token: it commits other callers' units too.
    private async Task ApplyAsync(SqliteTransaction tx, WriteBatch batch)
    {
        foreach (var criteria in batch.MustNotMatch)
        {
            if (await SqliteSearch.AnyMatchAsync(conditions, tx, criteria, registry, CancellationToken.None))
                throw new WriteConflictException($"A {criteria.ResourceType} matching the conditional create's criteria was stored concurrently.");
        }
        foreach (var write in batch.Writes) writes.Apply(write);
        writes.Flush();
    }

    /// <summary>A waiting unit of work: queued, then taken by a group (or withdrawn by its cancelled caller), then answered.</summary>
    private sealed class Unit(WriteBatch batch)
    {
        private const int Queued = 0, Taken = 1, Withdrawn = 2;
        private int _state;
        private readonly TaskCompletionSource _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public WriteBatch Batch => batch;

        public Task Outcome => _outcome.Task;

        public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued;

        public bool TryWithdraw() => Interlocked.CompareExchange(ref _state, Withdrawn, Queued) == Queued;

        public void Succeed() => _outcome.TrySetResult();

        public void Fail(Exception e) => _outcome.TrySetException(e);
    }
}
