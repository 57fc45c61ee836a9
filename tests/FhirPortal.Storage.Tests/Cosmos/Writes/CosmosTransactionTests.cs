using FhirPortal.Search;
using FhirPortal.Storage.Cosmos;
using static FhirPortal.Storage.Tests.Contract.TestResources;

namespace FhirPortal.Storage.Tests.Cosmos;

/// <summary>
/// Crash recovery of the Cosmos store's cross-partition transactions: a store instance dies after N document writes
/// of a batch, a new instance (as after a restart) recovers, and the batch is then either wholly there or wholly
/// absent, for every N. The commit point is the transaction record, written right after the locks.
/// </summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosTransactionTests(CosmosEmulator emulator)
{
    private static CancellationToken None => CancellationToken.None;

    [SkippableFact]
    public async Task Batch_interrupted_after_any_number_of_writes_is_all_or_nothing_after_restart()
    {
        emulator.SkipUnlessRunning();
        var options = emulator.NewContainer();
        // A restarted instance may abort transactions whose owner died at once: its lease has run out.
        var restartOptions = options.WithLease(TimeSpan.Zero);
        for (var crashAfter = 0; crashAfter <= 16; crashAfter++)
        {
            var (p1, p2, p3, o) = (NewId(), NewId(), NewId(), NewId());
            using (var setup = new CosmosResourceStore(options))
                await setup.CommitAsync(Batch(Version(Patient(p1, "Old"), 1), Version(Patient(p2, "Other"), 1), Version(Observation(o, p1, "1111-1"), 1)), None);

            // Update p1, move o from p1 to p2, create p3: three resources to lock, so the 4th write is the commit point.
            var batch = Batch(Version(Patient(p1, "New"), 2), Version(Observation(o, p2, "1111-1"), 2), Version(Patient(p3, "Created"), 1));
            var completed = await options.CommitCrashingAsync(crashAfter, batch);

            using var restarted = new CosmosResourceStore(restartOptions);
            var committed = crashAfter >= 4;
            // Then o: version, new home, pointer, old home deleted; p1: version, current; p3: resource over its pointer; record deleted.
            Assert.Equal(crashAfter >= 12, completed);
            Assert.Equal(committed ? 2 : 1, (await restarted.ReadAsync(new("Patient", p1), None))!.VersionId);
            Assert.Equal(committed ? 2 : 1, (await restarted.ReadAsync(new("Observation", o), None))!.VersionId);
            Assert.Equal(committed, await restarted.ReadAsync(new("Patient", p3), None) is not null);
            var inP2 = await restarted.SearchAsync(new SearchQuery("Observation", [new CompartmentCondition("Patient", p2)], 10), None);
            var inP1 = await restarted.SearchAsync(new SearchQuery("Observation", [new CompartmentCondition("Patient", p1)], 10), None);
            Assert.Equal(committed ? 1 : 0, inP2.Entries.Count);
            Assert.Equal(committed ? 0 : 1, inP1.Entries.Count);
            var history = await restarted.HistoryAsync(new HistoryQuery("Patient", p1, null, null, null, 10, null), None);
            Assert.Equal(committed ? 2 : 1, history.Entries.Count);

            // Nothing is left locked: the resources take the next write at once.
            var next = committed ? 3 : 2;
            await restarted.CommitAsync(Batch(Version(Patient(p1, "After"), next)), None);
            Assert.Equal(next, (await restarted.ReadAsync(new("Patient", p1), None))!.VersionId);
        }
    }

    [SkippableFact]
    public async Task Lock_of_a_live_transaction_makes_a_competing_write_conflict_until_its_lease_ends()
    {
        emulator.SkipUnlessRunning();
        var options = emulator.NewContainer();
        var (id, other) = ("a" + NewId(), "b" + NewId()); // locked in partition-key order: id first
        var faults = new InjectedFaults();
        var crashing = faults.Store(options);
        await crashing.CommitAsync(Batch(Version(Patient(id, "Base"), 1), Version(Patient(other, "Base"), 1)), None);
        // Dies holding the first lock of a two-resource write (a one-resource write takes no locks).
        await faults.CrashAfterWritesAsync(crashing, 1);
        await Assert.ThrowsAsync<CosmosStoreException>(() =>
            crashing.CommitAsync(Batch(Version(Patient(id, "Lost"), 2), Version(Patient(other, "Lost"), 2)), None));
        crashing.Dispose();

        using var sameLease = new CosmosResourceStore(options);
        await Assert.ThrowsAsync<WriteConflictException>(() => sameLease.CommitAsync(Batch(Version(Patient(id, "Blocked"), 2)), None));
        Assert.Equal(1, (await sameLease.ReadAsync(new("Patient", id), None))!.VersionId);

        using var expired = new CosmosResourceStore(options.WithLease(TimeSpan.Zero));
        await expired.CommitAsync(Batch(Version(Patient(id, "Won"), 2)), None);
        Assert.Contains("Won", Text((await expired.ReadAsync(new("Patient", id), None))!));
    }

    [SkippableFact]
    public async Task Resource_too_large_for_one_document_is_refused_and_its_batch_leaves_nothing()
    {
        emulator.SkipUnlessRunning();
        using var store = new CosmosResourceStore(emulator.NewContainer());
        var (small, large) = (NewId(), NewId());
        var binary = new Hl7.Fhir.Model.Binary { Id = large, ContentType = "application/pdf", Data = new byte[1_700_000] };

        var error = await Assert.ThrowsAsync<StoreLimitException>(() =>
            store.CommitAsync(Batch(Version(Patient(small, "Fits"), 1), Version(binary, 1)), None));

        Assert.Contains($"Binary/{large}", error.Message);
        Assert.Null(await store.ReadAsync(new("Patient", small), None));
        Assert.Null(await store.ReadAsync(new("Binary", large), None));
    }

}
