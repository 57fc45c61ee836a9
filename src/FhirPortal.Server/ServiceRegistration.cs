using FhirPortal.Core;
using FhirPortal.Core.SearchParameters;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Operations;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using FhirPortal.Storage.Sqlite;
using FhirPortal.Server.Security;
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
        services.AddSingleton<ReindexJobs>();
        services.AddHostedService<SearchParameterLoader>();
        services.AddHostedService<ReindexWorker>();
        services.AddSingleton<SearchQueryParser>();
        services.AddSingleton(sp => new FhirParser(sp.GetRequiredService<FhirLimits>().MaxJsonDepth));
        services.AddSingleton<VersionFactory>();
        services.AddSingleton<WriteRunner>();
        services.AddSingleton<ConditionalCriteria>();
        services.AddSingleton<ReadInteraction>();
        services.AddSingleton<CreateInteraction>();
        services.AddSingleton<UpdateInteraction>();
        services.AddSingleton<PatchInteraction>();
        services.AddSingleton<DeleteInteraction>();
        services.AddSingleton<HistoryInteraction>();
        services.AddSingleton<SearchExpansion>();
        services.AddSingleton<SearchInteraction>();
        services.AddSingleton<EntryExecutor>();
        services.AddSingleton<BatchInteraction>();
        services.AddSingleton<TransactionInteraction>();
        services.AddSingleton<CapabilityStatementBuilder>();
        services.AddSingleton<MetaOperation>();
        services.AddAccessPolicy();
        services.AddFhirPortalValidation();
        services.AddPatientDataOperations();
        services.AddScheduling();
        return services;
    }
}
