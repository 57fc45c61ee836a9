using FhirPortal.Core.Notifications;

namespace FhirPortal.Server.Notifications;

/// <summary>Registers notifications: options (<c>FhirPortal:Notifications</c>), the Core pipeline, the email and SMS senders and the worker.</summary>
internal static class NotificationServices
{
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TwilioOptions>().BindConfiguration(TwilioOptions.Section)
            .Validate(o => o.ApiBaseUrl.IsAbsoluteUri, "FhirPortal:Notifications:Sms:Twilio:ApiBaseUrl must be an absolute URL.").ValidateOnStart();
        services.AddNotificationWorkflow();
        services.AddSingleton<NoticeTemplates>();
        services.AddSingleton<INoticeSender, EmailNoticeSender>();
        services.AddSingleton<INoticeSender, SmsNoticeSender>();
        services.AddHostedService<NotificationWorker>();
        return services;
    }
}
