namespace FhirPortal.Storage.Tests.Contract;

/// <summary>The date range contract on the SQLite store (a fresh file per test).</summary>
public sealed class SqliteDateRangeTests : DateRangeContract, IDisposable
{
    private readonly SqliteTestFolder _store = new();

    protected override Task<IResourceStore> OpenAsync() => _store.OpenAsync();

    public void Dispose() => _store.Dispose();
}
