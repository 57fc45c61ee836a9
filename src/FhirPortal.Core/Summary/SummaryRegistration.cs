using FhirPortal.Core.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Core.Summary;

/// <summary>Registers Patient/$summary and its CapabilityStatement entry.</summary>
public static class SummaryRegistration
{
    public static IServiceCollection AddPatientSummary(this IServiceCollection services)
    {
        services.AddSingleton<PatientSummaryOperation>();
        services.AddSingleton<ICapabilityStatementContributor, SummaryCapabilities>();
        return services;
    }
}
