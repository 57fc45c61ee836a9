using FhirPortal.Core.Validation;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FhirPortal.Server;

/// <summary>
/// Compiles the stored profiles' validation schemas in the background after start-up (the first compile of the core
/// types takes seconds); /health/ready answers 503 until it is done. A validation that arrives earlier compiles
/// only the schemas it needs itself.
/// </summary>
public sealed class ValidationWarmup(ResourceValidator validator, ILogger<ValidationWarmup> log, IHostApplicationLifetime lifetime)
{
    private Task _task = Task.CompletedTask;

    public Task Completion => _task;

    public void Start() => _task = Task.Run(() =>
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            validator.CompileStoredProfiles(lifetime.ApplicationStopping);
            log.LogInformation("Validation schemas of the stored profiles compiled in {Seconds:F1} s.", clock.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) { }
        catch (Exception e)
        {
            // Not fatal: each validation compiles what it needs; a broken profile shows up in its own validations.
            log.LogWarning(e, "Compiling the validation schemas ahead of time failed.");
        }
    });
}

/// <summary>Ready when the profiles' validation schemas are compiled.</summary>
internal sealed class ValidationReadyCheck(ValidationWarmup warmup) : IHealthCheck
{
    // A warm-up with little to compile (no stored profiles) ends moments after start-up; a probe waits that long for it.
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await Task.WhenAny(warmup.Completion, Task.Delay(Grace, cancellationToken));
        return warmup.Completion.IsCompleted
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("Validation schemas are being compiled.");
    }
}
