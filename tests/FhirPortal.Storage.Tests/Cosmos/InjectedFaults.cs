using FhirPortal.Storage.Cosmos;

namespace FhirPortal.Storage.Tests.Cosmos;

/// <summary>The Cosmos store's fault point as tests set it: a crash after some document writes, a stall after the commit point.</summary>
internal sealed class InjectedFaults : CosmosFaultPoint
{
    private int _writes;
    private int? _limit;
    private volatile bool _crashed;

    /// <summary>Runs after a transaction's commit point, before its apply (an owner that stalls there).</summary>
    public Func<Task>? AfterCommitPoint { get; set; }

    /// <summary>A store on <paramref name="options"/> whose requests pass these faults.</summary>
    public CosmosResourceStore Store(CosmosStoreOptions options, TimeProvider? clock = null) => new(options, null, clock, this);

    /// <summary>
    /// Starts <paramref name="store"/> (container set-up and recovery run unharmed), then lets only this many more
    /// document writes through: the next one, and every request after it, fails as if the process had died there.
    /// </summary>
    public async Task CrashAfterWritesAsync(CosmosResourceStore store, int writes)
    {
        await store.ReadAsync(new ResourceKey("Patient", "not-stored"), CancellationToken.None);
        _writes = 0;
        _limit = writes;
    }

    public override void BeforeRequest(bool write)
    {
        if (_crashed) throw new CosmosStoreException("Injected failure: this store instance has crashed.");
        if (write && _limit is { } limit && Interlocked.Increment(ref _writes) > limit)
        {
            _crashed = true;
            throw new CosmosStoreException($"Injected failure after {limit} document writes.");
        }
    }

    public override Task AfterCommitPointAsync() => AfterCommitPoint?.Invoke() ?? Task.CompletedTask;
}
