using FhirPortal.Search;
using FhirPortal.Storage.Cosmos;
using Microsoft.Azure.Cosmos;
using static FhirPortal.Storage.Tests.Contract.TestResources;

namespace FhirPortal.Storage.Tests.Cosmos;

/// <summary>
/// The Cosmos store's one-resource commits (one conditional write is the commit point, nothing to recover), the
/// clean-up of transaction records, history _at and previous-page cursors.
/// </summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosWriteProtocolTests(CosmosEmulator emulator)
{
    private static CancellationToken None => CancellationToken.None;

    /// <summary>A one-resource write: the documents it takes, the write that commits it, and what it changes.</summary>
    private sealed record Scenario(string Name, int Writes, int CommitsAt, Func<(string P1, string P2, string O), WriteBatch> Batch,
        Func<CosmosResourceStore, (string P1, string P2, string O), bool, Task> Check);

    private static readonly Scenario[] OneResourceWrites =
    [
        // Superseded version copied, then the current document replaced (the commit).
        new("update in place", 2, 2, r => Batch(Version(Observation(r.O, r.P1, "2222-2"), 2)), async (store, r, done) =>
        {
            Assert.Equal(done ? 2 : 1, (await store.ReadAsync(new("Observation", r.O), None))!.VersionId);
            Assert.Equal(done ? 1 : 0, (await store.SearchAsync(Query("Observation", ("code", "2222-2"), ("subject", $"Patient/{r.P1}")), None)).Entries.Count);
            Assert.Equal(done ? 2 : 1, (await store.HistoryAsync(new HistoryQuery("Observation", r.O, null, null, null, 10, null), None)).Entries.Count);
        }),
        new("delete", 2, 2, r => Batch(Tombstone(new("Observation", r.O), 2)), async (store, r, done) =>
        {
            var read = (await store.ReadAsync(new("Observation", r.O), None))!;
            Assert.Equal((done ? 2 : 1, done), (read.VersionId, read.IsDeleted));
            Assert.Equal(done ? 0 : 1, (await store.SearchAsync(new SearchQuery("Observation", [new CompartmentCondition("Patient", r.P1)], 10), None)).Entries.Count);
            Assert.Equal(done ? 2 : 1, (await store.HistoryAsync(new HistoryQuery("Observation", r.O, null, null, null, 10, null), None)).Entries.Count);
        }),
        // A pointer in its own partition, then the resource in its patient's partition (the commit).
        new("create in a patient's partition", 2, 2, r => Batch(Version(Observation("n" + r.O, r.P1, "3333-3"), 1)), async (store, r, done) =>
        {
            Assert.Equal(done, await store.ReadAsync(new("Observation", "n" + r.O), None) is not null);
            Assert.Equal(done ? 2 : 1, (await store.SearchAsync(new SearchQuery("Observation", [new CompartmentCondition("Patient", r.P1)], 10), None)).Entries.Count);
        }),
        new("create in its own partition", 1, 1, r => Batch(Version(Patient("n" + r.P1, "New"), 1)), async (store, r, done) =>
        {
            Assert.Equal(done, await store.ReadAsync(new("Patient", "n" + r.P1), None) is not null);
            Assert.Equal(done ? 1 : 0, (await store.SearchAsync(Query("Patient", ("_id", "n" + r.P1)), None)).Entries.Count);
        }),
        // Another patient's partition: the record protocol (lock, record = commit, version, new home, pointer,
        // old home deleted, record deleted).
        new("move to another patient", 7, 2, r => Batch(Version(Observation(r.O, r.P2, "1111-1"), 2)), async (store, r, done) =>
        {
            Assert.Equal(done ? 2 : 1, (await store.ReadAsync(new("Observation", r.O), None))!.VersionId);
            Assert.Equal(done ? 1 : 0, (await store.SearchAsync(new SearchQuery("Observation", [new CompartmentCondition("Patient", r.P2)], 10), None)).Entries.Count);
            Assert.Equal(done ? 0 : 1, (await store.SearchAsync(new SearchQuery("Observation", [new CompartmentCondition("Patient", r.P1)], 10), None)).Entries.Count);
            Assert.Equal(done ? 2 : 1, (await store.HistoryAsync(new HistoryQuery("Observation", r.O, null, null, null, 10, null), None)).Entries.Count);
        }),
    ];

    [SkippableFact]
    public async Task One_resource_write_interrupted_after_any_number_of_writes_is_all_or_nothing_after_restart()
    {
        emulator.SkipUnlessRunning();
        var options = emulator.NewContainer();
        var restartOptions = options.WithLease(TimeSpan.Zero);
        foreach (var scenario in OneResourceWrites)
        {
            for (var crashAfter = 0; crashAfter <= scenario.Writes; crashAfter++)
            {
                var r = (P1: NewId(), P2: NewId(), O: NewId());
                using (var setup = new CosmosResourceStore(options))
                    await setup.CommitAsync(Batch(Version(Patient(r.P1, "One"), 1), Version(Patient(r.P2, "Two"), 1), Version(Observation(r.O, r.P1, "1111-1"), 1)), None);

                var completed = await options.CommitCrashingAsync(crashAfter, scenario.Batch(r));

                using var restarted = new CosmosResourceStore(restartOptions);
                var because = $"{scenario.Name}, crash after {crashAfter} writes";
                Assert.True(completed == crashAfter >= scenario.Writes, because);
                try { await scenario.Check(restarted, r, crashAfter >= scenario.CommitsAt); }
                catch (Exception e) { throw new Xunit.Sdk.XunitException($"{because}: {e.Message}"); }
                // Nothing is left locked: the resources take the next write at once.
                var o = (await restarted.ReadAsync(new("Observation", r.O), None))!;
                await restarted.CommitAsync(Batch(Version(Observation(r.O, r.P1, "4444-4"), o.VersionId + 1)), None);
            }
        }
    }

    [SkippableFact]
    public async Task One_resource_writes_take_one_or_two_documents_and_leave_no_transaction_record()
    {
        emulator.SkipUnlessRunning();
        var options = emulator.NewContainer();
        var (p, o) = (NewId(), NewId());
        var tooFewFaults = new InjectedFaults();
        using (var tooFew = tooFewFaults.Store(options))
        {
            await tooFewFaults.CrashAfterWritesAsync(tooFew, 0);
            await Assert.ThrowsAsync<CosmosStoreException>(() => tooFew.CommitAsync(Batch(Version(Patient(p, "One"), 1)), None));
        }
        using var store = new CosmosResourceStore(options);
        async Task Writes(int count, ResourceWrite write)
        {
            var faults = new InjectedFaults();
            using var counted = faults.Store(options);
            await faults.CrashAfterWritesAsync(counted, count);
            await counted.CommitAsync(Batch(write), None);
        }
        await Writes(1, Version(Patient(p, "One"), 1));
        await Writes(2, Version(Observation(o, p, "1111-1"), 1));
        await Writes(2, Version(Observation(o, p, "2222-2"), 2));
        await Writes(2, Version(Patient(p, "Two"), 2));
        await Writes(2, Tombstone(new("Observation", o), 3));
        Assert.Equal(2, (await store.ReadAsync(new("Patient", p), None))!.VersionId);
        Assert.True((await store.ReadAsync(new("Observation", o), None))!.IsDeleted);
        Assert.Equal(0, await CountAsync(options, "SELECT VALUE COUNT(1) FROM c WHERE c.kind = 'txn' OR c.kind = 'txnpart'"));
    }

    [SkippableFact]
    public async Task Create_that_never_wrote_its_resource_blocks_its_id_until_the_retention_has_passed()
    {
        emulator.SkipUnlessRunning();
        var options = emulator.NewContainer();
        var (p, o) = (NewId(), NewId());
        using (var setup = new CosmosResourceStore(options)) await setup.CommitAsync(Batch(Version(Patient(p, "One"), 1)), None);
        var faults = new InjectedFaults();
        using (var crashing = faults.Store(options))
        {
            await faults.CrashAfterWritesAsync(crashing, 1); // its pointer written, its resource not
            await Assert.ThrowsAsync<CosmosStoreException>(() => crashing.CommitAsync(Batch(Version(Observation(o, p, "1111-1"), 1)), None));
        }
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        using var store = new CosmosResourceStore(options, clock: clock);
        Assert.Null(await store.ReadAsync(new("Observation", o), None));
        await Assert.ThrowsAsync<WriteConflictException>(() => store.CommitAsync(Batch(Version(Observation(o, p, "2222-2"), 1)), None));

        clock.Advance(options.TransactionRetention + TimeSpan.FromSeconds(1));
        await store.CommitAsync(Batch(Version(Observation(o, p, "2222-2"), 1)), None);
        Assert.Contains("2222-2", Text((await store.ReadAsync(new("Observation", o), None))!));
        Assert.Single((await store.SearchAsync(new SearchQuery("Observation", [new CompartmentCondition("Patient", p)], 10), None)).Entries);
    }

    [SkippableFact]
    public async Task Racing_conditional_creates_with_the_same_criteria_store_exactly_one_resource()
    {
        emulator.SkipUnlessRunning();
        var options = emulator.NewContainer();
        var identifier = NewId();
        var criteria = SearchQuery.Criteria("Patient", Query("Patient", ("identifier", "urn:test|" + identifier)).Conditions);
        using var one = new CosmosResourceStore(options);
        using var two = new CosmosResourceStore(options);
        // A transaction with the same conditional create races them too.
        var writers = Enumerable.Range(0, 6).Select(i => (Store: i % 2 == 0 ? one : two, Batch: i == 5
            ? new WriteBatch([Version(Patient(NewId(), "Racer", identifier), 1), Version(Patient(NewId(), "Other"), 1)], [criteria])
            : new WriteBatch([Version(Patient(NewId(), "Racer", identifier), 1)], [criteria]))).ToList();
        // As the server does: a lost race plans again, and finds the winner's resource or tries once more.
        var outcomes = await Task.WhenAll(writers.Select(async w =>
        {
            for (var attempt = 0; attempt < 20; attempt++)
            {
                if ((await w.Store.SearchAsync(Query("Patient", ("identifier", "urn:test|" + identifier)), None)).Entries.Count > 0) return false;
                try
                {
                    await w.Store.CommitAsync(w.Batch, None);
                    return true;
                }
                catch (WriteConflictException) { await Task.Delay(Random.Shared.Next(1, 20)); }
            }
            throw new InvalidOperationException("No writer ever won.");
        }));

        Assert.Equal(1, outcomes.Count(o => o));
        var stored = await one.SearchAsync(Query("Patient", ("identifier", "urn:test|" + identifier)), None);
        Assert.Single(stored.Entries);
        var winner = writers[Array.IndexOf(outcomes, true)].Batch.Writes[0].Version.Key;
        Assert.Equal(winner, stored.Entries[0].Key);
        await Assert.ThrowsAsync<WriteConflictException>(() => two.CommitAsync(new WriteBatch([Version(Patient(NewId(), "Late", identifier), 1)], [criteria]), None));
    }

    [SkippableFact]
    public async Task Conditional_create_takes_two_writes_and_after_a_crash_at_any_point_leaves_nothing_locked()
    {
        emulator.SkipUnlessRunning();
        var options = emulator.NewContainer();
        WriteBatch Conditional(string identifier, string? patient = null) => new(
            [patient is null ? Version(Patient(NewId(), "C", identifier), 1) : Version(Observation(NewId(), patient, identifier), 1)],
            [patient is null
                ? SearchQuery.Criteria("Patient", Query("Patient", ("identifier", "urn:test|" + identifier)).Conditions)
                : SearchQuery.Criteria("Observation", Query("Observation", ("code", "http://loinc.org|" + identifier)).Conditions)]);
        using (var first = new CosmosResourceStore(options)) await first.CommitAsync(Conditional(NewId()), None); // creates the criteria document
        var p = NewId();
        using (var setup = new CosmosResourceStore(options)) await setup.CommitAsync(Batch(Version(Patient(p, "Owner"), 1)), None);

        // Resource, then the criteria document moved on (a patient's Observation: pointer, resource, move).
        foreach (var (observation, writes) in new[] { (false, 2), (true, 3) })
        {
            for (var crashAfter = 0; crashAfter <= writes; crashAfter++)
            {
                var identifier = NewId();
                var batch = Conditional(identifier, observation ? p : null);
                Assert.Equal(crashAfter >= writes, await options.CommitCrashingAsync(crashAfter, batch));
                using var restarted = new CosmosResourceStore(options.WithLease(TimeSpan.Zero));
                // Written resources stay (the conditional create only failed to move the criteria document on).
                var exists = await restarted.ReadAsync(batch.Writes[0].Version.Key, None) is not null;
                Assert.Equal(crashAfter >= writes - 1, exists);
                // Nothing is left locked: conditional creates of the type go on.
                await restarted.CommitAsync(Conditional(NewId(), observation ? p : null), None);
                if (exists) await Assert.ThrowsAsync<WriteConflictException>(() => restarted.CommitAsync(Conditional(identifier, observation ? p : null), None));
            }
        }
    }

    [SkippableFact]
    public async Task Aborted_transaction_records_are_swept_after_their_retention_and_nothing_else_is()
    {
        emulator.SkipUnlessRunning();
        var options = emulator.NewContainer();
        var (p1, p2) = (NewId(), NewId());
        var faults = new InjectedFaults();
        var crashing = faults.Store(options);
        await crashing.CommitAsync(Batch(Version(Patient(p1, "Base"), 1), Version(Patient(p2, "Base"), 1)), None);
        await faults.CrashAfterWritesAsync(crashing, 1); // dies holding p1's lock, before its record
        await Assert.ThrowsAsync<CosmosStoreException>(() =>
            crashing.CommitAsync(Batch(Version(Patient(p1, "Lost"), 2), Version(Patient(p2, "Lost"), 2)), None));
        crashing.Dispose();

        // A later writer whose lease view has run out aborts it: its record stays, stopping a late commit.
        using var store = new CosmosResourceStore(options.WithLease(TimeSpan.Zero));
        await store.CommitAsync(Batch(Version(Patient(p1, "Won"), 2)), None);
        const string aborted = "SELECT VALUE COUNT(1) FROM c WHERE c.kind = 'txn' AND c.state = 'aborted'";
        Assert.Equal(1, await CountAsync(options, aborted));

        // Every start sweeps (recovery), at the time of the store's clock.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        async Task RestartAsync()
        {
            using var restarted = new CosmosResourceStore(options.WithLease(TimeSpan.Zero), clock: clock);
            await restarted.ReadAsync(new("Patient", p2), None);
        }
        await RestartAsync();
        Assert.Equal(1, await CountAsync(options, aborted));
        clock.Advance(options.WithLease(TimeSpan.Zero).TransactionRetention + TimeSpan.FromMinutes(1));
        await RestartAsync();
        Assert.Equal(0, await CountAsync(options, "SELECT VALUE COUNT(1) FROM c WHERE c.kind = 'txn' OR c.kind = 'txnpart' OR c.kind = 'crit'"));
        Assert.Contains("Won", Text((await store.ReadAsync(new("Patient", p1), None))!));
        Assert.Equal(1, (await store.ReadAsync(new("Patient", p2), None))!.VersionId);
        Assert.Equal(2, (await store.HistoryAsync(new HistoryQuery("Patient", p1, null, null, null, 10, null), None)).Entries.Count);
    }

    [SkippableFact]
    public async Task History_at_returns_the_versions_current_during_the_span_on_every_level_and_page()
    {
        emulator.SkipUnlessRunning();
        using var store = new CosmosResourceStore(emulator.NewContainer());
        var t0 = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var (a, b) = (NewId(), NewId());
        // a: v1 at t0, v2 at t0+10s, v3 at t0+20s; b: v1 at t0+5s only.
        await store.CommitAsync(Batch(Version(Patient(a, "a1"), 1, t0)), None);
        await store.CommitAsync(Batch(Version(Patient(b, "b1"), 1, t0.AddSeconds(5))), None);
        await store.CommitAsync(Batch(Version(Patient(a, "a2"), 2, t0.AddSeconds(10))), None);
        await store.CommitAsync(Batch(Version(Patient(a, "a3"), 3, t0.AddSeconds(20))), None);

        async Task<string[]> At(string? type, string? id, DateTimeOffset start, DateTimeOffset end, int count = 10)
        {
            var found = new List<string>();
            string? cursor = null;
            do
            {
                var page = await store.HistoryAsync(new HistoryQuery(type, id, null, start, end, count, cursor), None);
                Assert.True(page.Entries.Count <= count);
                found.AddRange(page.Entries.Select(e => $"{e.Key.Id}/{e.VersionId}"));
                cursor = page.NextCursor;
            } while (cursor is not null);
            return found.ToArray();
        }

        var instant = t0.AddSeconds(12);
        Assert.Equal([$"{a}/2"], await At("Patient", a, instant, instant.AddTicks(1)));
        Assert.Equal([$"{a}/2", $"{b}/1"], await At("Patient", null, instant, instant.AddTicks(1)));
        // At the exact instant of a write the new version is current; a span takes every version current in it.
        Assert.Equal([$"{a}/2"], await At("Patient", a, t0.AddSeconds(10), t0.AddSeconds(10).AddTicks(1)));
        Assert.Equal([$"{a}/3", $"{a}/2", $"{b}/1", $"{a}/1"], await At(null, null, t0.AddSeconds(1), t0.AddSeconds(30), count: 1));
        Assert.Empty(await At(null, null, t0.AddSeconds(-1), t0));
    }

    [SkippableFact]
    public async Task Previous_cursor_walks_back_to_the_first_page_in_either_sort_direction()
    {
        emulator.SkipUnlessRunning();
        using var store = new CosmosResourceStore(emulator.NewContainer());
        var ids = Enumerable.Range(0, 7).Select(i => $"p{i}-{NewId()}").Order(StringComparer.Ordinal).ToList();
        foreach (var id in ids) await store.CommitAsync(Batch(Version(Patient(id, "Same"), 1)), None);
        foreach (var sort in new[] { "_id", "-_id", "_lastUpdated", "-_lastUpdated" })
        {
            var query = Query("Patient", ("_sort", sort), ("_count", "3"));
            var forward = new List<List<string>>();
            var page = await store.SearchAsync(query, None);
            Assert.Null(page.PreviousCursor);
            forward.Add(page.Entries.Select(e => e.Key.Id).ToList());
            while (page.NextCursor is not null)
            {
                page = await store.SearchAsync(query with { Cursor = page.NextCursor }, None);
                forward.Add(page.Entries.Select(e => e.Key.Id).ToList());
            }
            Assert.Equal([3, 3, 1], forward.Select(f => f.Count));
            var backward = new List<List<string>> { forward[^1] };
            while (page.PreviousCursor is not null)
            {
                page = await store.SearchAsync(query with { Cursor = page.PreviousCursor }, None);
                backward.Insert(0, page.Entries.Select(e => e.Key.Id).ToList());
                Assert.NotNull(page.NextCursor);
            }
            Assert.Equal(forward, backward);
        }
    }

    private static async Task<int> CountAsync(CosmosStoreOptions o, string sql)
    {
        using var client = new CosmosClient(o.Endpoint, o.Key, new CosmosClientOptions { ConnectionMode = ConnectionMode.Gateway, LimitToEndpoint = true });
        using var iterator = client.GetContainer(o.Database, o.Container).GetItemQueryIterator<int>(sql);
        var total = 0;
        while (iterator.HasMoreResults) total += (await iterator.ReadNextAsync()).Sum();
        return total;
    }

}
