namespace FhirPortal.Storage.Tests.Contract;

/// <summary>
/// A fresh, empty store per test, opened by the subclass for each store (SQLite, Cosmos DB); the contracts derive
/// from this so each store runs the same tests.
/// </summary>
public abstract class StoreUnderTest : IAsyncLifetime
{
    /// <summary>The store under test; null outside CI when a store's service is unavailable (the test returns early).</summary>
    protected IResourceStore? Store { get; private set; }

    protected static CancellationToken None => CancellationToken.None;

    protected abstract Task<IResourceStore?> OpenAsync();

    public async Task InitializeAsync() => Store = await OpenAsync();

    public Task DisposeAsync()
    {
        (Store as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }
}
