using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FhirPortal.Core.Notifications;

/// <summary>Registers the notification outbox, dispatcher and reminder scan; the host adds the senders and binds the options.</summary>
public static class NotificationRegistration
{
    /// <summary>The outbox alone (what write rules need to queue notices); safe to call more than once.</summary>
    public static IServiceCollection AddNoticeOutbox(this IServiceCollection services)
    {
        services.AddOptions<NotificationOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<NotificationOptions>, NotificationOptionsValidation>());
        services.TryAddSingleton<NoticeOutbox>();
        return services;
    }

    /// <summary>The outbox plus the write rule that queues result, message and statement notices (<see cref="PatientNoticeRules"/>).</summary>
    public static IServiceCollection AddPatientNotices(this IServiceCollection services)
    {
        services.AddNoticeOutbox();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWriteRule, PatientNoticeRules>());
        return services;
    }

    /// <summary>The outbox plus what sends notices (<see cref="NotificationDispatcher"/>) and queues reminders (<see cref="AppointmentReminders"/>).</summary>
    public static IServiceCollection AddNotificationWorkflow(this IServiceCollection services)
    {
        services.AddPatientNotices();
        services.TryAddSingleton<NotificationDispatcher>();
        services.TryAddSingleton<AppointmentReminders>();
        services.TryAddSingleton<SmsOptOut>();
        return services;
    }
}
