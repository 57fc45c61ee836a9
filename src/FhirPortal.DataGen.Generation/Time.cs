using Hl7.Fhir.Model;

namespace FhirPortal.DataGen.Generation;

/// <summary>Date and instant helpers; all times are written in UTC so output bytes never depend on the machine's zone.</summary>
public static class Time
{
    public static DateTimeOffset At(DateOnly day, int hour, int minute) =>
        new(day.Year, day.Month, day.Day, hour, minute, 0, TimeSpan.Zero);

    public static string Date(DateOnly day) => day.ToString("yyyy-MM-dd");

    public static FhirDateTime DateTime(DateTimeOffset instant) => new(instant);

    public static string Text(DateTimeOffset instant) => new FhirDateTime(instant).Value!;
}
