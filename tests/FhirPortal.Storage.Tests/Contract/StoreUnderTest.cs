namespace FhirPortal.Storage.Tests.Contract;

/// <summary>
/// A fresh, empty store per test, opened by the subclass for each store (SQLite, Cosmos DB); the contracts derive
/// from this so each store runs the same tests.
/// </summary>
public abstract class StoreUnderTest : IAsyncLifetime
{
    /// <summary>The store under test. A store whose service is unavailable fails the test in CI and skips it elsewhere (in <see cref="OpenAsync"/>).</summary>
    protected IResourceStore Store { get; private set; } = null!;

    protected static CancellationToken None => CancellationToken.None;

    protected abstract Task<IResourceStore> OpenAsync();

    public async Task InitializeAsync() => Store = await OpenAsync();

    public Task DisposeAsync()
    {
        (Store as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }
}
