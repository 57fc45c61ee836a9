using FhirPortal.Search;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Scheduling;

/// <summary>
/// The Appointment search parameter scheduling adds: <c>period</c>, the appointment's start and end. R4's <c>date</c>
/// indexes only the start, so no R4 search finds the appointments that overlap a time; with both ends indexed,
/// <c>period=gt{start}&amp;period=lt{end}</c> matches exactly those with an end after <c>start</c> and a start before
/// <c>end</c>. The booking rules use it as a commit-time condition (<see cref="SlotOccupancy"/>).
/// </summary>
public static class AppointmentPeriod
{
    public const string Code = "period";

    public static SearchParameter Definition() => new()
    {
        Id = "appointment-period",
        Url = "http://fhirportal.org/fhir/SearchParameter/appointment-period",
        Version = "1.0.0",
        Name = "AppointmentPeriod",
        Status = PublicationStatus.Active,
        Publisher = "FhirPortal",
        Description = new Markdown("The start and the end of an Appointment (R4's date parameter has only the start): "
                                   + "period=gt[start]&period=lt[end] finds the appointments that overlap [start, end)."),
        Code = Code,
        Base = [ResourceType.Appointment],
        Type = SearchParamType.Date,
        Expression = "Appointment.start | Appointment.end",
        XpathUsage = SearchParameter.XPathUsageType.Normal,
    };
}
