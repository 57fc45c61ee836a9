using FhirPortal.Core.Audit;

namespace FhirPortal.Server;

/// <summary>
/// Every <see cref="AuditOptions.PurgeInterval"/> (first at start-up) removes AuditEvents older than the retention
/// (<see cref="AuditRetention"/>) and logs how many; off when <see cref="AuditOptions.Purge"/> is false.
/// </summary>
internal sealed class AuditRetentionWorker(AuditRetention retention, AuditOptions options, TimeProvider clock, ILogger<AuditRetentionWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Purge) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var purged = await retention.PurgeAsync(stoppingToken);
                logger.LogInformation("Audit retention: {Count} AuditEvents recorded more than {Retention} ago were purged", purged, options.Retention);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A store hiccup must not end the worker; the next run finds what this one left.
                logger.LogError(e, "Audit retention purge failed");
            }
            try { await Task.Delay(options.PurgeInterval, clock, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}
