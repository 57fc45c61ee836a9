using FhirPortal.Core.Audit;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server;

/// <summary>Registers the access audit's options (<c>FhirPortal:Audit</c>), the worker that stores queued accesses and the retention purge.</summary>
internal static class AuditServices
{
    public static IServiceCollection AddAccessAudit(this IServiceCollection services)
    {
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<AuditOptions>>().Value);
        services.AddHostedService<AuditWorker>();
        services.AddHostedService<AuditRetentionWorker>();
        return services;
    }
}

/// <summary>
/// Drains the audit queue into the store: whatever is queued (up to a batch) is written as one transaction, then the
/// worker waits <see cref="AuditOptions.FlushInterval"/> before the next batch, so a crash loses at most about that
/// much. On a clean shutdown the queue is closed and everything in it is written before the worker stops.
/// </summary>
public sealed class AuditWorker(AuditQueue queue, AuditLog log, AuditOptions options, ILogger<AuditWorker> logger) : BackgroundService
{
    private long _reportedDrops;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = queue.Reader;
        var batch = new List<AccessEvent>(options.BatchSize);
        // Note: the loop ends only when the queue is closed (StopAsync) and empty, so stopping never leaves records behind.
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < options.BatchSize && reader.TryRead(out var access)) batch.Add(access);
            await WriteAsync(batch);
            batch.Clear();
            ReportDrops();
            if (!stoppingToken.IsCancellationRequested && reader.Count < options.BatchSize)
                await Task.Delay(options.FlushInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        ReportDrops();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Complete();
        await base.StopAsync(cancellationToken);
    }

    /// <summary>Attempts per batch: a transient store error (a busy database, a throttled request) must not cost a batch of records.</summary>
    private const int WriteAttempts = 3;

    private async Task WriteAsync(List<AccessEvent> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // A failed attempt stored nothing (one unit of work), so another cannot duplicate records.
                await log.WriteAsync(batch, CancellationToken.None);
                return;
            }
            catch (Exception e) when (attempt < WriteAttempts)
            {
                logger.LogWarning(e, "Could not store {Count} access audit events (attempt {Attempt} of {Attempts}); trying again", batch.Count, attempt, WriteAttempts);
                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
            catch (Exception e)
            {
                // The reads already happened; a batch the store keeps refusing is logged loudly with its size (HIPAA: a gap to investigate).
                logger.LogError(e, "Could not store {Count} access audit events", batch.Count);
                return;
            }
        }
    }

    private void ReportDrops()
    {
        var dropped = queue.Dropped;
        if (dropped == _reportedDrops) return;
        logger.LogError("The access audit queue stayed full: {Count} access audit events were dropped ({Total} since start-up)", dropped - _reportedDrops, dropped);
        _reportedDrops = dropped;
    }
}
