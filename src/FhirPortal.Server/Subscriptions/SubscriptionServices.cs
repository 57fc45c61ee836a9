using FhirPortal.Core.Operations;
using FhirPortal.Core.Subscriptions;
using FhirPortal.Search;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server.Subscriptions;

/// <summary>Registers FHIR Subscriptions: options (<c>FhirPortal:Subscriptions</c>; http endpoints allowed in Development), Core rules, the HTTP channel and worker.</summary>
internal static class SubscriptionServices
{
    public static IServiceCollection AddSubscriptions(this IServiceCollection services)
    {
        services.AddOptions<SubscriptionOptions>().BindConfiguration(SubscriptionOptions.Section)
            .PostConfigure<IConfiguration, IHostEnvironment>((o, configuration, environment) =>
            {
                if (environment.IsDevelopment() && configuration[SubscriptionOptions.Section + ":AllowHttp"] is null) o.AllowHttp = true;
            })
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSubscriptionWorkflow();
        services.AddSingleton<IRestHookChannel, RestHookChannel>();
        services.AddHostedService<SubscriptionWorker>();
        services.AddHostedService<SubscriptionDefinitionSeeder>();
        return services;
    }
}

/// <summary>Registers the filter search parameter and stores the topic Basics and OperationDefinitions at start-up (not when <c>FhirPortal:ProfilesDirectory</c> is empty).</summary>
internal sealed class SubscriptionDefinitionSeeder(OwnDefinitions definitions, SearchParameterRegistry registry, SubscriptionDelivery delivery,
    IOptions<FhirPortalOptions> portal, IConfiguration configuration) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        SubscriptionFilterSearch.Register(registry);
        if (portal.Value.PublicBaseUrl is { Length: > 0 } publicBase) delivery.BaseUrl = publicBase.TrimEnd('/');
        if (configuration["FhirPortal:ProfilesDirectory"] is "") return;
        await definitions.StoreAsync(SubscriptionCapabilities.Resources(), ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
