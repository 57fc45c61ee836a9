namespace FhirPortal.Server;

/// <summary>
/// Runs one round of housekeeping at start-up and then every <see cref="Interval"/> until shutdown; a failed round is
/// logged and the loop goes on, because a store hiccup must not end the worker (the next round finds what this one left).
/// </summary>
internal abstract class PeriodicWorker(TimeProvider clock, ILogger logger) : BackgroundService
{
    /// <summary>False turns the worker off (the tests run rounds by hand).</summary>
    protected abstract bool Enabled { get; }

    protected abstract TimeSpan Interval { get; }

    /// <summary>What the log names when a round fails.</summary>
    protected abstract string Round { get; }

    protected abstract Task RunOnceAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "{Round} failed", Round);
            }
            try { await Task.Delay(Interval, clock, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}
