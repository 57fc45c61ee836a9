using System.Globalization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Scheduling;

/// <summary>
/// The parameters of <c>Appointment/$find</c> (IHE ITI-115), from the URL or a Parameters body: <c>start</c>, <c>end</c>
/// (dates or instants; default now .. 14 days later), <c>specialty</c> and <c>service-type</c> (token: <c>system|code</c>),
/// <c>practitioner</c> and <c>location</c> (<c>Type/id</c> or id; repeated or comma-separated = any of them),
/// <c>visit-type</c> (<c>in-person</c> | <c>virtual</c>), <c>patient</c> and <c>_count</c>; <c>_cursor</c> continues paging.
/// </summary>
public sealed record FindRequest(
    DateTimeOffset? Start,
    DateTimeOffset? End,
    IReadOnlyList<string> Specialties,
    IReadOnlyList<string> ServiceTypes,
    IReadOnlyList<string> Practitioners,
    IReadOnlyList<string> Locations,
    string? VisitType,
    string? Patient,
    string? Count,
    string? Cursor)
{
    /// <summary>The code system of a slot's visit type, carried in <c>Slot.serviceType</c> (and the Appointment's).</summary>
    public const string VisitTypeSystem = "http://fhirportal.org/fhir/CodeSystem/visit-type";

    public static readonly string[] Names = ["start", "end", "specialty", "service-type", "practitioner", "location", "visit-type", "patient", "_count", "_cursor"];

    public static FindRequest Parse(IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        List<string> All(string name) => parameters.Where(p => p.Key == name).SelectMany(p => p.Value.Split(',')).Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
        string? One(string name) => parameters.LastOrDefault(p => p.Key == name).Value is { Length: > 0 } v ? v : null;
        var visit = One("visit-type");
        if (visit is not (null or "in-person" or "virtual"))
            throw FhirOutcomeException.BadRequest($"visit-type must be in-person or virtual, not '{visit}'.", "visit-type");
        return new FindRequest(ParseDate(One("start"), "start"), ParseDate(One("end"), "end"), All("specialty"), All("service-type"),
            Ids(All("practitioner"), "Practitioner"), Ids(All("location"), "Location"), visit,
            One("patient") is { } p ? Ids([p], "Patient")[0] : null, One("_count"), One("_cursor"));
    }

    private static DateTimeOffset? ParseDate(string? value, string name)
    {
        if (value is null) return null;
        if (FhirDateTime.IsValidValue(value))
            return new FhirDateTime(value).ToDateTimeOffset(TimeSpan.Zero);
        throw FhirOutcomeException.BadRequest($"{name} '{value}' is not a FHIR date or dateTime.", name);
    }

    private static List<string> Ids(List<string> values, string type) =>
        values.Select(v => v.Split('/') is [.., var t, var id] && t == type ? id
            : !v.Contains('/') ? v
            : throw FhirOutcomeException.BadRequest($"'{v}' is not a reference to a {type}.", type.ToLowerInvariant())).ToList();

    /// <summary>FHIR instant text in UTC, for search criteria.</summary>
    public static string Instant(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
