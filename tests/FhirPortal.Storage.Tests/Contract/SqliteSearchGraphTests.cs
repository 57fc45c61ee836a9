namespace FhirPortal.Storage.Tests.Contract;

/// <summary>The reference-graph searches on the SQLite store (the reference semantics).</summary>
public sealed class SqliteSearchGraphTests : SearchGraphContract, IDisposable
{
    private readonly SqliteTestFolder _store = new();

    protected override Task<IResourceStore> OpenAsync() => _store.OpenAsync();

    public void Dispose() => _store.Dispose();
}
