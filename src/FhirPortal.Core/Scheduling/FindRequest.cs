using System.Globalization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Scheduling;

/// <summary>
/// The parameters of <c>Appointment/$find</c> (IHE ITI-115), from the URL or a Parameters body: <c>start</c>, <c>end</c>
/// (dates or instants; default now .. 14 days later), <c>specialty</c> and <c>service-type</c> (token: <c>system|code</c>),
/// <c>practitioner</c> and <c>location-reference</c> (<c>Type/id</c> or id; repeated or comma-separated = any of them),
/// <c>visit-type</c> (IHE's token <c>system|code</c> of Slot.serviceType, any of them; or our <c>in-person</c> |
/// <c>virtual</c>), <c>patient-reference</c> and <c>_count</c>; <c>_cursor</c> continues paging. <c>location</c> and
/// <c>patient</c> are the names this server documented before it followed IHE's; they still work.
/// </summary>
public sealed record FindRequest(
    DateTimeOffset? Start,
    DateTimeOffset? End,
    IReadOnlyList<string> Specialties,
    IReadOnlyList<string> ServiceTypes,
    IReadOnlyList<string> Practitioners,
    IReadOnlyList<string> Locations,
    string? VisitType,
    IReadOnlyList<string> VisitTypeTokens,
    string? Patient,
    string? Count,
    string? Cursor)
{
    /// <summary>The code system of a slot's visit type, carried in <c>Slot.serviceType</c> (and the Appointment's).</summary>
    public const string VisitTypeSystem = "http://fhirportal.org/fhir/CodeSystem/visit-type";

    public static readonly string[] Names =
        ["start", "end", "specialty", "service-type", "practitioner", "location-reference", "location", "visit-type", "patient-reference", "patient", "_count", "_cursor"];

    public static FindRequest Parse(IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        List<string> All(string name) => parameters.Where(p => p.Key == name).SelectMany(p => p.Value.Split(',')).Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
        string? One(string name) => parameters.LastOrDefault(p => p.Key == name).Value is { Length: > 0 } v ? v : null;
        var visits = All("visit-type");
        var tokens = visits.Where(v => v.Contains('|')).ToList();
        var codes = visits.Except(tokens).Distinct().ToList();
        if (codes.Count > 1 || codes.Any(c => c is not ("in-person" or "virtual")))
            throw FhirOutcomeException.BadRequest(
                $"visit-type must be a system|code token or one of in-person, virtual, not '{string.Join(",", codes)}'.", "visit-type");
        var patient = One("patient-reference") ?? One("patient");
        return new FindRequest(ParseDate(One("start"), "start"), ParseDate(One("end"), "end"), All("specialty"), All("service-type"),
            Ids(All("practitioner"), "Practitioner"), Ids([.. All("location-reference"), .. All("location")], "Location"), codes.FirstOrDefault(), tokens,
            patient is not null ? Ids([patient], "Patient")[0] : null, One("_count"), One("_cursor"));
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
