using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Core.Refills;

/// <summary>Registers prescription refills' write-path rules and operations; the host binds <see cref="RefillOptions"/>.</summary>
public static class RefillRegistration
{
    /// <summary>Adds the refill Task and patient prescription rules every write obeys, $request-refill and the automatic refills.</summary>
    public static IServiceCollection AddRefillWorkflow(this IServiceCollection services)
    {
        services.AddSingleton<RefillTasks>();
        services.AddSingleton<RefillEligibility>();
        services.AddSingleton<RefillProgress>();
        services.AddSingleton<IWriteRule, RefillRules>();
        services.AddSingleton<IWriteRule, PrescriptionRules>();
        services.AddSingleton<RefillRequests>();
        services.AddSingleton<AutoRefills>();
        return services;
    }
}
