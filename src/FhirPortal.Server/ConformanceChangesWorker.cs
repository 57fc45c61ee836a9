using FhirPortal.Core;

namespace FhirPortal.Server;

/// <summary>
/// Polls the store for conformance resources and SearchParameters written by other instances, every
/// <c>FhirPortal:ConformancePollInterval</c> (2 s by default; <c>00:00:00</c> turns it off for a single instance).
/// </summary>
internal sealed class ConformanceChangesWorker(ConformanceChanges changes, IConfiguration configuration, TimeProvider clock, ILogger<ConformanceChangesWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = configuration.GetValue("FhirPortal:ConformancePollInterval", TimeSpan.FromSeconds(2));
        if (interval <= TimeSpan.Zero) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await Task.Delay(interval, clock, stoppingToken); }
            catch (OperationCanceledException) { return; }
            try
            {
                if (await changes.PollAsync(stoppingToken) is > 0 and var count)
                    logger.LogInformation("Applied {Count} conformance resource or SearchParameter versions written by any instance", count);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A store hiccup must not end the worker: the next poll looks back over the same span.
                logger.LogError(e, "Polling for conformance changes failed");
            }
        }
    }
}
