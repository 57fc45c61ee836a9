using FhirPortal.Core.Notifications;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Core.Scheduling;

/// <summary>Registers scheduling's write-path rules and operations; the host binds <see cref="SchedulingOptions"/>.</summary>
public static class SchedulingRegistration
{
    /// <summary>Adds the Appointment/Slot rules every write obeys, and $find/$hold/$book.</summary>
    public static IServiceCollection AddSchedulingWorkflow(this IServiceCollection services)
    {
        services.AddNoticeOutbox();
        services.AddSingleton<SlotOccupancy>();
        services.AddSingleton<IWriteRule, SchedulingRules>();
        services.AddSingleton<AppointmentBooking>();
        services.AddSingleton<AppointmentFinder>();
        return services;
    }
}
