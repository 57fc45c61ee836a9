using FhirPortal.Storage.Cosmos;
using FhirPortal.TestSupport;

namespace FhirPortal.Storage.Tests.Cosmos;

/// <summary>
/// The Cosmos emulator (<see cref="CosmosEmulatorProcess"/>) for a test collection. In CI (CI=true) a missing or
/// failing emulator fails the tests; elsewhere they are reported as Skipped with <see cref="Unavailable"/> as the
/// reason (run tests/cosmos-emulator/install.sh to set it up).
/// </summary>
public sealed class CosmosEmulator : IAsyncLifetime
{
    private CosmosEmulatorProcess? _process;

    public string? Endpoint => _process?.Endpoint;

    public string? Unavailable { get; private set; }

    /// <summary>Skips the test (outside CI, where a missing emulator is allowed) when the emulator did not start.</summary>
    public void SkipUnlessRunning()
    {
        if (Endpoint is null) throw new SkipException(Unavailable);
    }

    /// <summary>Options for a container of its own (tests never see each other's data); skips the test without an emulator.</summary>
    public CosmosStoreOptions NewContainer(TimeSpan? lease = null) => new()
    {
        Endpoint = Endpoint ?? throw new SkipException(Unavailable),
        Key = CosmosEmulatorProcess.Key,
        Database = CosmosEmulatorProcess.Database,
        Container = "c" + Guid.NewGuid().ToString("N"),
        TransactionLease = lease ?? TimeSpan.FromSeconds(30),
    };

    public async Task InitializeAsync()
    {
        try
        {
            _process = await CosmosEmulatorProcess.StartAsync();
        }
        catch (Exception e) when (!TestRequirements.InCi)
        {
            Unavailable = "the Cosmos emulator is not available (" + e.Message + ")";
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is not null) await _process.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class CosmosCollection : ICollectionFixture<CosmosEmulator>
{
    public const string Name = "Cosmos emulator";
}

/// <summary>Store instances for tests: restarted ones, crashing ones.</summary>
public static class CosmosTestOptions
{
    /// <summary>Commits the batch on a store instance that dies after this many document writes; whether the commit completed.</summary>
    public static async Task<bool> CommitCrashingAsync(this CosmosStoreOptions o, int writes, WriteBatch batch)
    {
        var faults = new InjectedFaults();
        using var crashing = faults.Store(o);
        await faults.CrashAfterWritesAsync(crashing, writes);
        try
        {
            await crashing.CommitAsync(batch, CancellationToken.None);
            return true;
        }
        catch (CosmosStoreException) { return false; }
    }

    /// <summary>The same container with another transaction lease (zero: a restarted instance that may abort abandoned locks at once).</summary>
    public static CosmosStoreOptions WithLease(this CosmosStoreOptions o, TimeSpan lease) => new()
    {
        Endpoint = o.Endpoint, Key = o.Key, Database = o.Database, Container = o.Container, TransactionLease = lease,
    };
}
