using FhirPortal.Storage.Sqlite;

namespace FhirPortal.Storage.Tests.Contract;

/// <summary>A fresh SQLite store file in its own temp folder, removed with the test.</summary>
public sealed class SqliteTestFolder : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "fhirportal-store-tests", Guid.NewGuid().ToString("N"));

    /// <summary>The store's database file.</summary>
    public string DatabasePath => Path.Combine(_folder, "store.db");

    public Task<IResourceStore> OpenAsync()
    {
        Directory.CreateDirectory(_folder);
        return Task.FromResult<IResourceStore>(new SqliteResourceStore(DatabasePath, TestResources.Registry));
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { /* the OS cleans temp folders */ }
    }
}
