using FhirPortal.Core.Audit;

namespace FhirPortal.Server;

/// <summary>
/// Every <see cref="AuditOptions.PurgeInterval"/> (first at start-up) removes AuditEvents older than the retention
/// (<see cref="AuditRetention"/>) and logs how many; off when <see cref="AuditOptions.Purge"/> is false.
/// </summary>
internal sealed class AuditRetentionWorker(AuditRetention retention, AuditOptions options, TimeProvider clock, ILogger<AuditRetentionWorker> logger)
    : PeriodicWorker(clock, logger)
{
    protected override bool Enabled => options.Purge;
    protected override TimeSpan Interval => options.PurgeInterval;
    protected override string Round => "Audit retention purge";

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var purged = await retention.PurgeAsync(ct);
        logger.LogInformation("Audit retention: {Count} AuditEvents recorded more than {Retention} ago were purged", purged, options.Retention);
    }
}
