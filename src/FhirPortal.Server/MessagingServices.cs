using FhirPortal.Core.Messaging;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server;

/// <summary>Registers secure messaging: options (<c>FhirPortal:Messaging</c>) and its write-path rules.</summary>
internal static class MessagingServices
{
    public static IServiceCollection AddMessaging(this IServiceCollection services)
    {
        services.AddOptions<MessagingOptions>().BindConfiguration(MessagingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<MessagingOptions>>().Value);
        services.AddMessagingWorkflow();
        return services;
    }
}
