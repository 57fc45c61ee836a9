using FhirPortal.Core.Subscriptions;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server.Subscriptions;

/// <summary>Registers FHIR Subscriptions: options (<c>FhirPortal:Subscriptions</c>; http endpoints allowed in Development), Core rules, the HTTP channel, header protection and worker.</summary>
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
        services.AddSingleton<ISubscriptionSecrets, DataProtectedSubscriptionSecrets>();
        services.AddHostedService<SubscriptionOwnerStamp>();
        services.AddHostedService<SubscriptionWorker>();
        services.AddHostedService<SubscriptionLinks>();
        return services;
    }
}

/// <summary>At start-up, points notification Bundles' links at the configured public base URL (when set).</summary>
internal sealed class SubscriptionLinks(SubscriptionDelivery delivery, IOptions<FhirPortalOptions> portal) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        if (portal.Value.PublicBaseUrl is { Length: > 0 } publicBase) delivery.BaseUrl = publicBase.TrimEnd('/');
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

/// <summary>At start-up, before requests are served, stamps the owner on Subscriptions stored before owners were indexed (<see cref="SubscriptionOwnerUpgrade"/>).</summary>
internal sealed class SubscriptionOwnerStamp(SubscriptionOwnerUpgrade upgrade, ILogger<SubscriptionOwnerStamp> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        if (await upgrade.RunAsync(ct) is > 0 and var stamped) logger.LogInformation("Stamped the owner on {Count} stored Subscriptions", stamped);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
