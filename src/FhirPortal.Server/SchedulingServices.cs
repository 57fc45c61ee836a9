using FhirPortal.Core;
using FhirPortal.Core.Scheduling;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server;

/// <summary>Registers scheduling: options (<c>FhirPortal:Scheduling</c>), its write-path rules and the $hold/$book operations.</summary>
internal static class SchedulingServices
{
    public static IServiceCollection AddScheduling(this IServiceCollection services)
    {
        services.AddOptions<SchedulingOptions>().BindConfiguration(SchedulingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<SchedulingOptions>>().Value);
        services.AddSingleton<SlotOccupancy>();
        services.AddSingleton<IWriteRule, SchedulingRules>();
        services.AddSingleton<AppointmentBooking>();
        return services;
    }
}
