using FhirPortal.Core.Operations;
using FhirPortal.Core.Operations.Export;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server;

/// <summary>Registers $everything and Bulk Data $export: options (<c>FhirPortal:Export</c>), the job service and its worker.</summary>
internal static class ExportServices
{
    public static IServiceCollection AddPatientDataOperations(this IServiceCollection services)
    {
        services.AddOptions<ExportOptions>()
            .BindConfiguration(ExportOptions.Section)
            .ValidateDataAnnotations()
            .PostConfigure<IOptions<FhirPortalOptions>>((export, portal) =>
                export.Directory ??= Path.Combine(Path.GetFullPath(portal.Value.DataDirectory), "export"))
            .ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ExportOptions>>().Value);
        services.AddSingleton<EverythingOperation>();
        services.AddSingleton<ExportKickoff>();
        services.AddSingleton<ExportJobs>();
        services.AddHostedService<ExportWorker>();
        return services;
    }
}

/// <summary>Runs export jobs in the background and resumes unfinished ones after a restart.</summary>
public sealed class ExportWorker(ExportJobs jobs) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => jobs.RunAsync(stoppingToken);
}
