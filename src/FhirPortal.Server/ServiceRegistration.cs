using FhirPortal.Core;
using FhirPortal.Core.Jobs;
using FhirPortal.Core.SearchParameters;
using FhirPortal.Core.Summary;
using FhirPortal.Core.Trends;
using FhirPortal.Core.Operations;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using FhirPortal.Storage.Sqlite;
using FhirPortal.Server.Notifications;
using FhirPortal.Server.Security;
using FhirPortal.Server.Subscriptions;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server;

/// <summary>Wires options, the store, search and the interactions into the container.</summary>
internal static class ServiceRegistration
{
    public static IServiceCollection AddFhirPortal(this IServiceCollection services)
    {
        services.AddOptions<FhirPortalOptions>()
            .BindConfiguration(FhirPortalOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Limits.DefaultPageSize <= o.Limits.MaxPageSize, "Limits:DefaultPageSize must not exceed Limits:MaxPageSize.")
            .Validate(o => o.Limits.MaxResourceBytes <= o.Limits.MaxRequestBytes, "Limits:MaxResourceBytes must not exceed Limits:MaxRequestBytes.")
            .ValidateOnStart();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var limits = sp.GetRequiredService<IOptions<FhirPortalOptions>>().Value.Limits;
            return new FhirLimits { DefaultPageSize = limits.DefaultPageSize, MaxPageSize = limits.MaxPageSize, MaxJsonDepth = limits.MaxJsonDepth };
        });
        services.AddFhirPortalStorage();

        services.AddSingleton(_ => SearchParameterRegistry.CreateDefault());
        services.AddSingleton<SearchIndexer>();
        services.AddSingleton<CustomSearchParameters>();
        services.AddOptions<JobOptions>().BindConfiguration(JobOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new JobLeasing(sp.GetRequiredService<IOptions<JobOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ReindexJobs>();
        services.AddHostedService<SearchParameterLoader>();
        services.AddHostedService<ReindexWorker>();
        services.AddSingleton<ConformanceChanges>();
        services.AddHostedService<ConformanceChangesWorker>();
        services.AddSingleton<SearchQueryParser>();
        services.AddSingleton(sp => new FhirParser(sp.GetRequiredService<FhirLimits>().MaxJsonDepth));
        services.AddAccessAudit();
        services.AddFhirInteractions();
        services.AddAccessPolicy();
        services.AddFhirPortalValidation();
        services.AddPatientDataOperations();
        services.AddBulkImport();
        services.AddScheduling();
        services.AddNotifications();
        services.AddMessaging();
        services.AddSubscriptions();
        services.AddTrends();
        services.AddPatientSummary();
        services.AddPatientShareLinks();
        services.AddForms();
        services.AddRefills();
        services.AddBilling();
        return services;
    }
}
