using FhirPortal.Core.Sharing;

namespace FhirPortal.Server;

/// <summary>
/// Every <see cref="ShareLinkOptions.PurgeInterval"/> (first at start-up) removes share links that ended more than
/// <see cref="ShareLinkOptions.PurgeAfter"/> ago (<see cref="ShareLinkPurge"/>); off when <see cref="ShareLinkOptions.Purge"/> is false.
/// </summary>
internal sealed class ShareLinkPurgeWorker(ShareLinkPurge purge, ShareLinkOptions options, TimeProvider clock, ILogger<ShareLinkPurgeWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Purge) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var purged = await purge.PurgeAsync(stoppingToken);
                if (purged > 0) logger.LogInformation("Share links: {Count} links that ended more than {PurgeAfter} ago were purged", purged, options.PurgeAfter);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A store hiccup must not end the worker; the next run finds what this one left.
                logger.LogError(e, "Share link purge failed");
            }
            try { await Task.Delay(options.PurgeInterval, clock, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}
