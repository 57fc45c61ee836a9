using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Core.Messaging;

/// <summary>Registers secure messaging's write-path rules; the host binds <see cref="MessagingOptions"/>.</summary>
public static class MessagingRegistration
{
    /// <summary>Adds the Communication rules every write obeys, the attachment store and $mark-read.</summary>
    public static IServiceCollection AddMessagingWorkflow(this IServiceCollection services)
    {
        services.AddSingleton<CareTeamRecipients>();
        services.AddSingleton<InboxTasks>();
        services.AddSingleton<IWriteRule, MessagingRules>();
        services.AddSingleton<AttachmentFiles>();
        services.AddSingleton<BinaryAttachments>();
        services.AddSingleton<MessageReceipts>();
        return services;
    }
}
