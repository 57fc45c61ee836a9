using FhirPortal.Search;
using FhirPortal.Storage;
using FhirPortal.Storage.Cosmos;
using FhirPortal.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server;

/// <summary><c>FhirPortal:Storage</c>: which store holds the resources (SQLite by default, needing no external service).</summary>
public sealed class StorageOptions
{
    public const string Section = "FhirPortal:Storage";

    /// <summary><c>Sqlite</c> (default: a file in DataDirectory) or <c>Cosmos</c> (Azure Cosmos DB, see <see cref="Cosmos"/>).</summary>
    public string Provider { get; set; } = "Sqlite";

    public CosmosStoreOptions Cosmos { get; set; } = new();
}

/// <summary>Registers the configured <see cref="IResourceStore"/>.</summary>
internal static class StorageRegistration
{
    public static IServiceCollection AddFhirPortalStorage(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .Validate(o => o.Provider is "Sqlite" or "Cosmos", "Storage:Provider must be Sqlite or Cosmos.")
            .Validate(o => o.Provider != "Cosmos" || (Uri.TryCreate(o.Cosmos.Endpoint, UriKind.Absolute, out _) && o.Cosmos.Key.Length > 0
                && o.Cosmos.Database.Length > 0 && o.Cosmos.Container.Length > 0),
                "Storage:Cosmos needs an absolute Endpoint, a Key, a Database and a Container.")
            .ValidateOnStart();
        services.TryAddSingleton<PortalMetrics>();
        // Every backend is timed by the same wrapper (fhirportal.store.duration).
        services.AddSingleton<IResourceStore>(sp => new MeteredResourceStore(CreateStore(sp), sp.GetRequiredService<PortalMetrics>()));
        return services;
    }

    private static IResourceStore CreateStore(IServiceProvider sp)
    {
        var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
        if (storage.Provider == "Cosmos")
            return new CosmosResourceStore(storage.Cosmos, sp.GetRequiredService<ILogger<CosmosResourceStore>>(), sp.GetService<TimeProvider>(),
                sp.GetRequiredService<PortalMetrics>());
        var options = sp.GetRequiredService<IOptions<FhirPortalOptions>>().Value;
        var directory = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(directory);
        return new SqliteResourceStore(Path.Combine(directory, "fhirportal.db"), sp.GetRequiredService<SearchParameterRegistry>(),
            sp.GetRequiredService<ILogger<SqliteResourceStore>>());
    }
}
