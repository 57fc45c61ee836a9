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
        services.AddFeatureDefinitions(new FeatureDefinitions("scheduling", SchedulingCapabilities.Definitions(), [AppointmentPeriod.Definition()]));
        return services;
    }
}
