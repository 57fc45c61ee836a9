using FhirPortal.Core.Subscriptions;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server.Subscriptions;

/// <summary>Every <see cref="SubscriptionOptions.PollInterval"/>: handshakes, event notifications and heartbeats (<see cref="SubscriptionDelivery"/>).</summary>
internal sealed class SubscriptionWorker(SubscriptionDelivery delivery, IOptions<SubscriptionOptions> options, TimeProvider clock, ILogger<SubscriptionWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Background) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await delivery.RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A store hiccup must not end the worker; the next round picks up where this one stopped.
                logger.LogError(e, "Subscription delivery round failed");
            }
            try { await Task.Delay(options.Value.PollInterval, clock, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}
