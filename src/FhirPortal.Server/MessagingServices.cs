using FhirPortal.Core.Messaging;
using FhirPortal.Core.Operations;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server;

/// <summary>Registers secure messaging: options (<c>FhirPortal:Messaging</c>) and its write-path rules, attachment store and $mark-read.</summary>
internal static class MessagingServices
{
    public static IServiceCollection AddMessaging(this IServiceCollection services)
    {
        services.AddOptions<MessagingOptions>()
            .BindConfiguration(MessagingOptions.Section)
            .ValidateDataAnnotations()
            .PostConfigure<IOptions<FhirPortalOptions>>((messaging, portal) =>
                messaging.AttachmentDirectory ??= Path.Combine(Path.GetFullPath(portal.Value.DataDirectory), "binaries"))
            .ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<MessagingOptions>>().Value);
        services.AddMessagingWorkflow();
        services.AddSingleton<ICapabilityStatementContributor, MessagingCapabilities>();
        services.AddHostedService<MessagingDefinitionSeeder>();
        return services;
    }
}

/// <summary>Stores the messaging OperationDefinitions at start-up (as the scheduling ones; not when <c>FhirPortal:ProfilesDirectory</c> is empty).</summary>
internal sealed class MessagingDefinitionSeeder(OwnDefinitions definitions, IConfiguration configuration) : IHostedService
{
    public async System.Threading.Tasks.Task StartAsync(CancellationToken ct)
    {
        if (configuration["FhirPortal:ProfilesDirectory"] is "") return;
        await definitions.StoreAsync(MessagingCapabilities.Definitions(), ct);
    }

    public System.Threading.Tasks.Task StopAsync(CancellationToken ct) => System.Threading.Tasks.Task.CompletedTask;
}
