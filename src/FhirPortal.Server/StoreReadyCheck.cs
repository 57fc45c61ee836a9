using FhirPortal.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FhirPortal.Server;

/// <summary>Ready when the store answers a read.</summary>
internal sealed class StoreReadyCheck(IResourceStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.ReadAsync(new ResourceKey("Patient", "health-check"), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("The store did not answer.", e);
        }
    }
}
