using FhirPortal.Core.Sharing;

namespace FhirPortal.Server;

/// <summary>
/// Every <see cref="ShareLinkOptions.PurgeInterval"/> (first at start-up) removes share links that ended more than
/// <see cref="ShareLinkOptions.PurgeAfter"/> ago (<see cref="ShareLinkPurge"/>); off when <see cref="ShareLinkOptions.Purge"/> is false.
/// </summary>
internal sealed class ShareLinkPurgeWorker(ShareLinkPurge purge, ShareLinkOptions options, TimeProvider clock, ILogger<ShareLinkPurgeWorker> logger)
    : PeriodicWorker(clock, logger)
{
    protected override bool Enabled => options.Purge;
    protected override TimeSpan Interval => options.PurgeInterval;
    protected override string Round => "Share link purge";

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var purged = await purge.PurgeAsync(ct);
        if (purged > 0) logger.LogInformation("Share links: {Count} links that ended more than {PurgeAfter} ago were purged", purged, options.PurgeAfter);
    }
}
