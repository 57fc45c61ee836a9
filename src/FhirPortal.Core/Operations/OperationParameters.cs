using System.Globalization;
using FhirPortal.Search;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Operations;

/// <summary>Parsing of the values $everything and $export take (types, instants, dates), each failure a 400 naming the parameter.</summary>
public static class OperationParameters
{
    /// <summary>A comma-separated list of resource types (repeats allowed), without duplicates.</summary>
    public static List<string> Types(IEnumerable<string> values, string name)
    {
        var types = new List<string>();
        foreach (var type in values.SelectMany(v => v.Split(',')).Select(t => t.Trim()))
        {
            if (!PatientDataQuery.AllTypes.Contains(type))
                throw FhirOutcomeException.BadRequest($"{name}: '{type}' is not an R4 resource type.", name);
            if (!types.Contains(type)) types.Add(type);
        }
        return types;
    }

    /// <summary>An instant (or dateTime with a zone); a date or partial dateTime is taken as its start.</summary>
    public static DateTimeOffset Instant(string value, string name) =>
        FhirDateRange.TryParse(value, out var range)
            ? range.Start
            : throw FhirOutcomeException.BadRequest($"{name} must be a FHIR instant such as 2024-01-31T12:00:00Z, not '{value}'.", name);

    public static FhirDateRange Date(string value, string name) =>
        FhirDateRange.TryParse(value, out var range)
            ? range
            : throw FhirOutcomeException.BadRequest($"{name} must be a FHIR date such as 2024-01-31, not '{value}'.", name);

    public static int Count(string value, int max, string name) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0
            ? Math.Min(count, max)
            : throw FhirOutcomeException.BadRequest($"{name} must be a positive integer, not '{value}'.", name);

    /// <summary>The parameters of a Parameters resource (an operation's POST body) as name/value strings.</summary>
    public static List<KeyValuePair<string, string>> FromParameters(Parameters parameters)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var parameter in parameters.Parameter)
        {
            var value = parameter.Value switch
            {
                ResourceReference r => r.Reference,
                // $stats takes a Period and Codings: the same start/end and system|code forms a GET uses.
                Period p => $"{p.Start}/{p.End}",
                Coding c => $"{c.System}|{c.Code}",
                PrimitiveType p when p.JsonValue is not null => Convert.ToString(p.JsonValue, CultureInfo.InvariantCulture),
                null when parameter.Resource is not null =>
                    throw FhirOutcomeException.BadRequest($"Parameter '{parameter.Name}' must have a value, not a resource.", parameter.Name),
                _ => throw FhirOutcomeException.BadRequest($"Parameter '{parameter.Name}' has no value this operation understands.", parameter.Name),
            };
            result.Add(new(parameter.Name ?? "", value ?? ""));
        }
        return result;
    }
}
