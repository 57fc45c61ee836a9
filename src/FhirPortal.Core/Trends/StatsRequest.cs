using System.Globalization;
using FhirPortal.Core.Operations;
using FhirPortal.Search;

namespace FhirPortal.Core.Trends;

/// <summary>
/// The parameters of one Observation/$stats request (R4 OperationDefinition Observation-stats): <c>subject</c>, the
/// codes (<c>code</c> with <c>system</c>, or <c>coding</c> as system|code), the window (<c>duration</c> in days back
/// from now, or <c>period</c> as start/end) and the <c>statistic</c>s to compute.
/// </summary>
public sealed record StatsRequest(string Subject, IReadOnlyList<CodeFilter> Codes, DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<Statistic> Statistics)
{
    private static readonly HashSet<string> ResponseParameters = ["_format", "_pretty"];

    public static StatsRequest Parse(IReadOnlyList<KeyValuePair<string, string>> parameters, DateTimeOffset now)
    {
        string? subject = null, system = null;
        var codes = new List<string>();
        var codings = new List<CodeFilter>();
        var statistics = new List<Statistic>();
        DateTimeOffset? from = null, to = null;
        var windows = 0;
        foreach (var (name, value) in parameters)
        {
            switch (name)
            {
                case "subject" when subject is null: subject = value; break;
                case "subject": throw FhirOutcomeException.BadRequest("$stats takes one subject.", name);
                case "system": system = value; break;
                case "code": codes.AddRange(List(value)); break;
                case "coding": codings.AddRange(List(value).Select(c => Coding(c, name))); break;
                case "duration":
                    windows++;
                    if (!decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var days) || days <= 0 || days > 365_000)
                        throw FhirOutcomeException.BadRequest($"duration is a positive number of days, not '{value}'.", name);
                    from = now - TimeSpan.FromDays((double)days);
                    break;
                case "period":
                    windows++;
                    (from, to) = Period(value, name);
                    break;
                case "statistic":
                    statistics.AddRange(List(value).Select(s => Statistic.Find(s)
                        ?? throw FhirOutcomeException.BadRequest($"Unknown statistic '{s}'; this server computes {Statistic.Names}.", name)));
                    break;
                case var n when ResponseParameters.Contains(n): break;
                default:
                    throw FhirOutcomeException.BadRequest(
                        $"$stats does not take the parameter '{name}'; it takes subject, code, system, coding, duration, period and statistic.", name);
            }
        }
        if (subject is null || subject.Length == 0) throw FhirOutcomeException.BadRequest("$stats needs a subject (e.g. Patient/123).", "subject");
        if (statistics.Count == 0) throw FhirOutcomeException.BadRequest($"$stats needs at least one statistic ({Statistic.Names}).", "statistic");
        if (windows > 1) throw FhirOutcomeException.BadRequest("$stats takes duration or period, not both.", "period");
        if (system is not null && codes.Count == 0) throw FhirOutcomeException.BadRequest("system goes with code.", "system");
        var filters = codes.Select(c => new CodeFilter(system, c)).Concat(codings).Distinct().ToList();
        return new StatsRequest(subject, filters, from, to, statistics.Distinct().ToList());
    }

    /// <summary>The Observation search that selects this request's observations (entered-in-error ones never count).</summary>
    public List<KeyValuePair<string, string>> SearchParameters()
    {
        var search = new List<KeyValuePair<string, string>> { new("subject", Subject), new("status:not", "entered-in-error") };
        // combo-code matches Observation.code and component.code, so a systolic code finds blood-pressure panels.
        if (Codes.Count > 0)
            search.Add(new("combo-code", string.Join(",", Codes.Select(c => c.System is null ? c.Code : $"{c.System}|{c.Code}"))));
        if (From is { } from) search.Add(new("date", "ge" + from.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture)));
        if (To is { } to) search.Add(new("date", "lt" + to.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture)));
        return search;
    }

    /// <summary>Whether a value measured at <paramref name="time"/> falls in the window (samples of one Observation may straddle it).</summary>
    public bool InWindow(DateTimeOffset time) => (From is not { } from || time >= from) && (To is not { } to || time < to);

    /// <summary>Whether an Observation or component with these codes is asked for (every code when none is named).</summary>
    public bool Wants(IReadOnlyList<CodeValue> codings) => Codes.Count == 0 || codings.Any(c => Codes.Any(f => f.Matches(c)));

    private static IEnumerable<string> List(string value) => value.Split(',').Select(v => v.Trim()).Where(v => v.Length > 0);

    private static CodeFilter Coding(string value, string name) =>
        value.Split('|') is [var system, var code] && code.Length > 0
            ? new CodeFilter(system.Length == 0 ? null : system, code)
            : throw FhirOutcomeException.BadRequest($"coding is system|code, not '{value}'.", name);

    /// <summary>A period as <c>start/end</c> (either may be left empty); each end is a FHIR date or dateTime.</summary>
    private static (DateTimeOffset?, DateTimeOffset?) Period(string value, string name)
    {
        var parts = value.Split('/');
        if (parts.Length != 2 || (parts[0].Length == 0 && parts[1].Length == 0))
            throw FhirOutcomeException.BadRequest($"period is start/end (FHIR dates or dateTimes), not '{value}'.", name);
        DateTimeOffset? start = parts[0].Length == 0 ? null : OperationParameters.Date(parts[0], name).Start;
        DateTimeOffset? end = parts[1].Length == 0 ? null : OperationParameters.Date(parts[1], name).End;
        if (start >= end) throw FhirOutcomeException.BadRequest("period: the end is before the start.", name);
        return (start, end);
    }
}
