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
        services.AddFeatureDefinitions(new FeatureDefinitions("messaging", MessagingCapabilities.Definitions()));
        return services;
    }
}
