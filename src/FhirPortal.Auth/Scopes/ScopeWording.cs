using System.Text.RegularExpressions;

namespace FhirPortal.Auth.Scopes;

/// <summary>Each scope in plain words for the consent page ("read your lab results").</summary>
public static partial class ScopeWording
{
    [GeneratedRegex(@"^(patient|user|system)/(\*|[A-Za-z]+)\.([a-z*]+)(\?(.*))?$")]
    private static partial Regex Parts();

    private static readonly Dictionary<string, string> FixedWords = new(StringComparer.Ordinal)
    {
        ["openid"] = "know who you are when you sign in",
        ["fhirUser"] = "know which person record is yours",
        ["profile"] = "see your name and profile",
        ["launch"] = "open with the record you are looking at",
        ["launch/patient"] = "know which patient's record to use",
        ["launch/encounter"] = "know which visit you are working on",
        ["offline_access"] = "keep access when you are not using the app",
        ["online_access"] = "keep access while you are using the app",
        ["introspect"] = "check which access other apps have been given",
    };

    private static readonly Dictionary<string, string> Nouns = new(StringComparer.Ordinal)
    {
        ["*"] = "health records",
        ["Observation"] = "test results and measurements",
        ["Condition"] = "conditions and diagnoses",
        ["MedicationRequest"] = "prescriptions",
        ["AllergyIntolerance"] = "allergies",
        ["Immunization"] = "immunizations",
        ["Communication"] = "messages with your care team",
        ["Encounter"] = "visits",
        ["Patient"] = "personal details",
        ["Procedure"] = "procedures",
        ["DiagnosticReport"] = "test reports",
        ["DocumentReference"] = "documents",
    };

    public static string Describe(string scope)
    {
        if (FixedWords.TryGetValue(scope, out var words)) return words;
        var m = Parts().Match(scope);
        if (!m.Success) return scope;
        var (context, type, access, query) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, m.Groups[5].Value);
        var noun = Nouns.GetValueOrDefault(type, type);
        if (type == "Observation" && query.Contains("laboratory", StringComparison.Ordinal)) noun = "lab results";
        else if (type == "Observation" && query.Contains("vital-signs", StringComparison.Ordinal)) noun = "vital signs";
        else if (query.Length > 0) noun += $" (only {query})";
        if (type == "Communication" && access.Contains('c') && !access.Contains('r')) return "send messages to your care team";
        var owner = context switch { "patient" => "your", "user" => "the", _ => "all" };
        var suffix = context == "user" ? " you are allowed to see" : context == "system" ? " (as a system, no user present)" : "";
        return $"{Verbs(access)} {owner} {noun}{suffix}";
    }

    private static string Verbs(string access)
    {
        var letters = access switch { "read" => "rs", "write" => "cud", "*" => "cruds", _ => access };
        var verbs = new List<string>();
        if (letters.Contains('r') || letters.Contains('s')) verbs.Add("read");
        if (letters.Contains('c')) verbs.Add("add to");
        if (letters.Contains('u')) verbs.Add("change");
        if (letters.Contains('d')) verbs.Add("delete");
        return verbs.Count switch { 1 => verbs[0], _ => string.Join(", ", verbs[..^1]) + " and " + verbs[^1] };
    }
}
