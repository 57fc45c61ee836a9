using FhirPortal.Core;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Operations;
using FhirPortal.Core.Scheduling;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server;

/// <summary>Registers scheduling: options (<c>FhirPortal:Scheduling</c>), its write-path rules and the $find/$hold/$book operations.</summary>
internal static class SchedulingServices
{
    public static IServiceCollection AddScheduling(this IServiceCollection services)
    {
        services.AddOptions<SchedulingOptions>().BindConfiguration(SchedulingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<SchedulingOptions>>().Value);
        services.AddSchedulingWorkflow();
        services.AddSingleton<ICapabilityStatementContributor, SchedulingCapabilities>();
        services.AddHostedService<SchedulingDefinitionSeeder>();
        return services;
    }
}

/// <summary>
/// Registers the Appointment <c>period</c> search parameter the booking rules need, then stores the scheduling
/// OperationDefinitions and that SearchParameter when missing or changed (so their canonicals resolve on this server),
/// alongside the profiles/ conformance resources: not when <c>FhirPortal:ProfilesDirectory</c> is set empty.
/// </summary>
internal sealed class SchedulingDefinitionSeeder(OwnDefinitions definitions, SearchParameterRegistry registry, IConfiguration configuration) : IHostedService
{
    public async System.Threading.Tasks.Task StartAsync(CancellationToken ct)
    {
        AppointmentPeriod.Register(registry);
        if (configuration["FhirPortal:ProfilesDirectory"] is "") return;
        await definitions.StoreAsync([.. SchedulingCapabilities.Definitions(), AppointmentPeriod.Definition()], ct);
    }

    public System.Threading.Tasks.Task StopAsync(CancellationToken ct) => System.Threading.Tasks.Task.CompletedTask;
}
