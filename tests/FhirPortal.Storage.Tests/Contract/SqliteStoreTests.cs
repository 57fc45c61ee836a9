namespace FhirPortal.Storage.Tests.Contract;

/// <summary>The store contract on the embedded SQLite store (a fresh file in a temp folder per test).</summary>
public sealed class SqliteStoreTests : SearchContract, IDisposable
{
    private readonly SqliteTestFolder _store = new();

    protected override Task<IResourceStore?> OpenAsync() => _store.OpenAsync();

    public void Dispose() => _store.Dispose();
}
