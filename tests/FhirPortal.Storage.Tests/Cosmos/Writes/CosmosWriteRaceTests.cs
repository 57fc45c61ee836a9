using FhirPortal.Search;
using FhirPortal.Storage.Cosmos;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using static FhirPortal.Storage.Tests.Contract.TestResources;

namespace FhirPortal.Storage.Tests.Cosmos;

/// <summary>
/// Interleavings of the write protocol with late appliers, settlers and reindexing, and a crash while a large
/// transaction is cleaned up: each once broke the store contract.
/// </summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosWriteRaceTests(CosmosEmulator emulator)
{
    private static CancellationToken None => CancellationToken.None;

    /// <summary>
    /// A transaction large enough for part documents, interrupted at every write including its clean-up: a
    /// restarted store always starts (a committed record never outlives its parts) and the batch is all or nothing.
    /// </summary>
    [SkippableFact]
    public async Task Large_transaction_interrupted_while_its_parts_are_deleted_leaves_a_store_that_starts()
    {
        emulator.SkipUnlessRunning();
        var options = emulator.NewContainer();
        var restartOptions = options.WithLease(TimeSpan.Zero);
        // 2 pointers, 2 parts, record (commit), 2 resources over their pointers, 2 part deletions, record deletion.
        const int writes = 10;
        for (var crashAfter = 0; crashAfter <= writes; crashAfter++)
        {
            var (a, b) = (NewId(), NewId());
            var batch = Batch(Version(Large(a), 1), Version(Large(b), 1));
            var completed = await options.CommitCrashingAsync(crashAfter, batch);

            var because = $"crash after {crashAfter} writes";
            Assert.True(completed == crashAfter >= writes, because);
            using var restarted = new CosmosResourceStore(restartOptions);
            try
            {
                var committed = crashAfter >= 5;
                Assert.Equal(committed, await restarted.ReadAsync(new("Binary", a), None) is not null);
                Assert.Equal(committed, await restarted.ReadAsync(new("Binary", b), None) is not null);
            }
            catch (Exception e) { throw new Xunit.Sdk.XunitException($"{because}: {e.GetType().Name}: {e.Message}"); }
        }
    }

    /// <summary>
    /// A transaction's create in a patient's partition leaves its pointer naming the transaction. Someone who read
    /// that pointer before the resource was applied and settles it only after the record is gone (it finds no
    /// record) must keep the pointer: its resource is at home, so the transaction had committed.
    /// </summary>
    [SkippableFact]
    public async Task Late_settler_of_a_transaction_created_pointer_cannot_orphan_the_committed_resource()
    {
        emulator.SkipUnlessRunning();
        var options = emulator.NewContainer();
        var (p, q, o) = (NewId(), NewId(), NewId());
        using (var setup = new CosmosResourceStore(options)) await setup.CommitAsync(Batch(Version(Patient(p, "Home"), 1)), None);

        // The owner commits (record created) and stops: the resource is not applied yet.
        var faults = new InjectedFaults();
        using (var owner = faults.Store(options))
        {
            await faults.CrashAfterWritesAsync(owner, 3); // 2 pointers, record
            await Assert.ThrowsAsync<CosmosStoreException>(() =>
                owner.CommitAsync(Batch(Version(Observation(o, p, "1111-1"), 1), Version(Patient(q, "Other"), 1)), None));
        }
        // Reader R: reads the pointer (naming the transaction) and finds nothing in the home yet ...
        using var client = Client(options);
        var container = client.GetContainer(options.Database, options.Container);
        var gateway = new CosmosGateway(container, NullLogger.Instance, CosmosFaultPoint.None);
        var pointer = (await gateway.ReadAsync($"Observation:{o}", $"Observation/{o}", None))!;
        Assert.NotNull((string?)pointer.Body["txn"]);
        Assert.Null(await gateway.ReadAsync($"Observation:{o}", $"Patient/{p}", None));

        // ... meanwhile the transaction is applied and its record deleted (here: by another instance's recovery).
        using (var recovering = new CosmosResourceStore(options))
            Assert.Equal(1, (await recovering.ReadAsync(new("Observation", o), None))!.VersionId);
        var stillNamed = (await gateway.ReadAsync($"Observation:{o}", $"Observation/{o}", None))!;
        Assert.Equal(pointer.ETag, stillNamed.ETag); // apply left the pointer as it was, txn and all

        // ... then R settles what it read, after the lease (SettledAsync -> SettleCreateAsync).
        var locks = new CosmosLocks(gateway, TimeSpan.Zero, TimeProvider.System, (_, _) => Task.CompletedTask);
        await locks.SettleCreateAsync(pointer, None);

        using var store = new CosmosResourceStore(options);
        Assert.Single((await store.SearchAsync(new SearchQuery("Observation", [new CompartmentCondition("Patient", p)], 10), None)).Entries);
        Assert.Equal(1, (await store.ReadAsync(new("Observation", o), None))?.VersionId);
        await store.CommitAsync(Batch(Version(Observation(o, p, "2222-2"), 2)), None);
    }

    /// <summary>
    /// Reindex rewrites locked current documents (keeping the lock), so a lock's owner may hold a stale ETag: when
    /// its transaction then aborts, the lock must still be released, not left to refuse writes until the lease ends.
    /// </summary>
    [SkippableFact]
    public async Task Reindex_during_a_transaction_that_aborts_leaves_no_lock_behind()
    {
        emulator.SkipUnlessRunning();
        var options = emulator.NewContainer(TimeSpan.FromMinutes(5));
        using var store = new CosmosResourceStore(options);
        using var reindexer = new CosmosResourceStore(options);
        var (x, y) = ("a" + NewId(), "b" + NewId()); // locked in key order: x first
        await store.CommitAsync(Batch(Version(Patient(x, "X"), 1), Version(Patient(y, "Y"), 1)), None);
        using var stop = new CancellationTokenSource();
        var reindexing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await reindexer.ReindexAsync(new ReindexBatch("Patient", x, null, 10), _ => new ResourceIndex(), None);
                // A breath between batches: on a loaded 2-core machine a tight loop could win every retry below.
                await Task.Delay(2);
            }
        });
        try
        {
            for (var attempt = 0; attempt < 40; attempt++)
            {
                // y's expected version is wrong: x is locked, then the lock of y fails and x is released.
                await Assert.ThrowsAsync<WriteConflictException>(() =>
                    store.CommitAsync(Batch(Version(Patient(x, "X" + attempt), 2 + attempt), Version(Patient(y, "Y"), 5)), None));
                // The resource takes the next write (a race with the reindex itself is a plain conflict: retried).
                for (var retry = 0; ; retry++)
                {
                    try { await store.CommitAsync(Batch(Version(Patient(x, "X" + attempt), 2 + attempt)), None); break; }
                    catch (WriteConflictException e) when (retry < 50 && e.Message.Contains("changed by a concurrent write")) { }
                }
            }
        }
        finally
        {
            stop.Cancel();
            await reindexing;
        }
    }

    /// <summary>
    /// A one-resource conditional create writes its resource before it moves the criteria document on, and a loser
    /// takes its resource back. A reindex of that resource in between must not make the take-back a no-op: exactly
    /// the winners' resources are stored.
    /// </summary>
    [SkippableFact]
    public async Task Losing_conditional_create_leaves_no_resource_even_when_it_was_reindexed_meanwhile()
    {
        emulator.SkipUnlessRunning();
        var options = emulator.NewContainer();
        using var one = new CosmosResourceStore(options);
        using var two = new CosmosResourceStore(options);
        using var reindexer = new CosmosResourceStore(options);
        using var stop = new CancellationTokenSource();
        // The racers' ids are known to the reindexer (as a client that searched would know them).
        var current = Array.Empty<string>();
        var reindexing = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
                foreach (var id in Volatile.Read(ref current))
                    await reindexer.ReindexAsync(new ReindexBatch("Patient", id, null, 1), _ => new ResourceIndex(), None);
        })).ToArray();
        try
        {
            for (var round = 0; round < 100; round++)
            {
                var identifier = NewId();
                var criteria = SearchQuery.Criteria("Patient", Query("Patient", ("identifier", "urn:test|" + identifier)).Conditions);
                var racers = new[] { one, two, one, two }.Select(s => (Store: s, Key: new ResourceKey("Patient", NewId()))).ToList();
                Volatile.Write(ref current, racers.Select(r => r.Key.Id).ToArray());
                var outcomes = await Task.WhenAll(racers.Select(async r =>
                {
                    try { await r.Store.CommitAsync(new WriteBatch([Version(Patient(r.Key.Id, "Racer", identifier), 1)], [criteria]), None); return true; }
                    catch (WriteConflictException) { return false; }
                }));
                var survivors = new List<ResourceKey>();
                foreach (var r in racers)
                    if (await one.ReadAsync(r.Key, None) is not null) survivors.Add(r.Key);
                var winners = racers.Where((_, i) => outcomes[i]).Select(r => r.Key).ToList();
                Assert.True(winners.SequenceEqual(survivors), $"round {round}: committed {string.Join(",", winners)}, stored {string.Join(",", survivors)}");
            }
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(reindexing);
        }
    }

    /// <summary>
    /// The owner's apply of a create in a patient's partition is a create-if-absent. If the owner stalls after its
    /// commit point while someone else rolls the transaction forward and the resource then moves to another patient
    /// (its old home document deleted), the owner's late create must not bring version 1 back in the old home.
    /// </summary>
    [SkippableFact]
    public async Task Owner_applying_late_never_recreates_a_resource_that_moved_on()
    {
        emulator.SkipUnlessRunning();
        var options = emulator.NewContainer();
        var (p1, p2, q, o) = (NewId(), NewId(), NewId(), NewId());
        using (var setup = new CosmosResourceStore(options))
            await setup.CommitAsync(Batch(Version(Patient(p1, "One"), 1), Version(Patient(p2, "Two"), 1)), None);

        var faults = new InjectedFaults();
        using var owner = faults.Store(options);
        faults.AfterCommitPoint = async () =>
        {
            // Meanwhile a reader rolls it forward, and the Observation moves to p2.
            using var other = new CosmosResourceStore(options);
            Assert.Equal(1, (await other.ReadAsync(new("Observation", o), None))!.VersionId);
            await other.CommitAsync(Batch(Version(Observation(o, p2, "1111-1"), 2)), None);
            await Task.Delay(300);
        };
        await owner.CommitAsync(Batch(Version(Observation(o, p1, "1111-1"), 1), Version(Patient(q, "Other"), 1)), None);

        using var fresh = new CosmosResourceStore(options);
        foreach (var store in new[] { owner, fresh })
        {
            Assert.Equal(2, (await store.ReadAsync(new("Observation", o), None))!.VersionId);
            Assert.Empty((await store.SearchAsync(new SearchQuery("Observation", [new CompartmentCondition("Patient", p1)], 10), None)).Entries);
            Assert.Single((await store.SearchAsync(Query("Observation", ("_id", o)), None)).Entries);
        }
        await owner.CommitAsync(Batch(Version(Observation(o, p2, "2222-2"), 3)), None);
    }

    private static Hl7.Fhir.Model.Binary Large(string id) =>
        new() { Id = id, ContentType = "application/octet-stream", Data = Enumerable.Repeat((byte)7, 250_000).ToArray() };

    private static CosmosClient Client(CosmosStoreOptions o) =>
        new(o.Endpoint, o.Key, new CosmosClientOptions { ConnectionMode = ConnectionMode.Gateway, LimitToEndpoint = true });

}
