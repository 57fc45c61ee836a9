namespace FhirPortal.Storage.Tests.Contract;

/// <summary>The value search contract on the SQLite store, the reference semantics (a fresh file per test).</summary>
public sealed class SqliteValueSearchTests : SearchValueContract, IDisposable
{
    private readonly SqliteTestFolder _store = new();

    protected override Task<IResourceStore> OpenAsync() => _store.OpenAsync();

    public void Dispose() => _store.Dispose();
}
