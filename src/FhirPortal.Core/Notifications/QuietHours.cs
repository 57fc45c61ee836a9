using Hl7.Fhir.Model;

namespace FhirPortal.Core.Notifications;

/// <summary>
/// Quiet hours for texts (default 21:00–08:00) in the patient's time zone: the <c>timezone</c> extension on the
/// Patient (IANA code), else <see cref="NotificationOptions.DefaultTimeZone"/>. A text due inside them waits until they end.
/// </summary>
public static class QuietHours
{
    public const string TimeZoneExtension = "http://hl7.org/fhir/StructureDefinition/timezone";

    /// <summary>When quiet hours end, if <paramref name="now"/> is inside them for this patient; else null.</summary>
    public static DateTimeOffset? EndIfQuiet(Patient patient, DateTimeOffset now, NotificationOptions options)
    {
        var zone = Zone(patient.GetExtensionValue<Code>(TimeZoneExtension)?.Value) ?? Zone(options.DefaultTimeZone) ?? TimeZoneInfo.Utc;
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var (start, end, t) = (options.QuietHoursStart, options.QuietHoursEnd, local.TimeOfDay);
        var quiet = start > end ? t >= start || t < end : t >= start && t < end;
        if (!quiet) return null;
        var day = start > end && t >= start ? local.Date.AddDays(1) : local.Date;
        var endLocal = DateTime.SpecifyKind(day + end, DateTimeKind.Unspecified);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(endLocal, zone), TimeSpan.Zero);
    }

    private static TimeZoneInfo? Zone(string? id) =>
        id is { Length: > 0 } && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;
}
