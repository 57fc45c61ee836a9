using FhirPortal.Core.Operations;
using FhirPortal.Core.Trends;

namespace FhirPortal.Server;

/// <summary>Registers health trends (Observation/$lastn, $stats) and stores their OperationDefinitions at start-up.</summary>
internal static class TrendsServices
{
    public static IServiceCollection AddHealthTrends(this IServiceCollection services)
    {
        services.AddTrends();
        services.AddHostedService<TrendsDefinitionSeeder>();
        return services;
    }
}

/// <summary>Stores the trends OperationDefinitions (as the scheduling ones; not when <c>FhirPortal:ProfilesDirectory</c> is empty).</summary>
internal sealed class TrendsDefinitionSeeder(OwnDefinitions definitions, IConfiguration configuration) : IHostedService
{
    public async System.Threading.Tasks.Task StartAsync(CancellationToken ct)
    {
        if (configuration["FhirPortal:ProfilesDirectory"] is "") return;
        await definitions.StoreAsync(TrendsCapabilities.Definitions(), ct);
    }

    public System.Threading.Tasks.Task StopAsync(CancellationToken ct) => System.Threading.Tasks.Task.CompletedTask;
}
