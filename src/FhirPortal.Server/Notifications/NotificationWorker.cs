using FhirPortal.Core.Notifications;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server.Notifications;

/// <summary>
/// Every <see cref="NotificationOptions.PollInterval"/>: queues due appointment reminders, then sends due notices.
/// It runs apart from requests, so a slow or dead mail server or Twilio never delays a FHIR write.
/// </summary>
internal sealed class NotificationWorker(
    AppointmentReminders reminders, NotificationDispatcher dispatcher, IOptions<NotificationOptions> options, TimeProvider clock,
    ILogger<NotificationWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Background) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await reminders.RunOnceAsync(stoppingToken);
                await dispatcher.RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A store hiccup must not end the worker; the next round picks up where this one stopped.
                logger.LogError(e, "Notification round failed");
            }
            try { await Task.Delay(options.Value.PollInterval, clock, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}
