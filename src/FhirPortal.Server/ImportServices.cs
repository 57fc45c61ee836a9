using FhirPortal.Core.Operations;
using FhirPortal.Core.Operations.Import;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server;

/// <summary>Registers Bulk Data $import: options (<c>FhirPortal:Import</c>), the job service, its worker and its OperationDefinition.</summary>
internal static class ImportServices
{
    public static IServiceCollection AddBulkImport(this IServiceCollection services)
    {
        services.AddOptions<ImportOptions>()
            .BindConfiguration(ImportOptions.Section)
            .ValidateDataAnnotations()
            .PostConfigure<IOptions<FhirPortalOptions>>((import, portal) =>
            {
                var data = Path.GetFullPath(portal.Value.DataDirectory);
                import.Root = Path.GetFullPath(string.IsNullOrEmpty(import.Root) ? Path.Combine(data, "import") : import.Root);
                import.Directory ??= Path.Combine(data, "import-jobs");
            })
            .ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ImportOptions>>().Value);
        services.AddSingleton<ImportSources>();
        services.AddSingleton<ImportKickoff>();
        services.AddSingleton<ImportWriter>();
        services.AddSingleton<ImportJobs>();
        services.AddHostedService<ImportWorker>();
        services.AddFeatureDefinitions(new FeatureDefinitions("import", ImportCapabilities.Definitions()));
        return services;
    }
}

/// <summary>Runs import jobs in the background and resumes unfinished ones after a restart.</summary>
public sealed class ImportWorker(ImportJobs jobs) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => jobs.RunAsync(stoppingToken);
}
