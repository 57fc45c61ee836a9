using FhirPortal.Core.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Core.Trends;

/// <summary>Registers health trends: Observation/$lastn and $stats and their OperationDefinitions.</summary>
public static class TrendsRegistration
{
    public static IServiceCollection AddTrends(this IServiceCollection services)
    {
        services.AddSingleton<ObservationSelection>();
        services.AddSingleton<LastNOperation>();
        services.AddSingleton<StatsOperation>();
        services.AddFeatureDefinitions(new FeatureDefinitions("trends", TrendsCapabilities.Definitions()));
        return services;
    }
}
