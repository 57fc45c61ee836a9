using FhirPortal.Storage.Sqlite;

namespace FhirPortal.Storage.Tests.Contract;

/// <summary>The reference-graph searches on the SQLite store (the reference semantics).</summary>
public sealed class SqliteSearchGraphTests : SearchGraphContract, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "fhirportal-store-tests", Guid.NewGuid().ToString("N"));

    protected override Task<IResourceStore?> OpenAsync()
    {
        Directory.CreateDirectory(_folder);
        return Task.FromResult<IResourceStore?>(new SqliteResourceStore(Path.Combine(_folder, "store.db"), TestResources.Registry));
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { /* the OS cleans temp folders */ }
    }
}
