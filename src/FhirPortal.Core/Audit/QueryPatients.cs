using FhirPortal.Search;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Audit;

/// <summary>
/// Whether a request's query text names no patient but one: a patient reads the AuditEvents in their compartment, so the
/// text (e.g. <c>Observation?subject=Patient/p1,Patient/p2</c>) may be shown to a patient only if every patient it names
/// is that patient. Conservative: a chain, a reverse chain, an identifier or an unknown type counts as naming others.
/// </summary>
public static class QueryPatients
{
    public static bool NamesOnly(string query, string patient, SearchParameterRegistry registry)
    {
        var parts = query.Split('?', 2);
        if (parts.Length == 1 || parts[1].Length == 0) return true;
        var type = parts[0].Split('/')[0];
        var known = type.Length > 0 && !type.StartsWith('$') && registry.ForType(type).Any();
        foreach (var pair in parts[1].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, value) = pair.Split('=', 2) is [var n, var v] ? (Decode(n), Decode(v)) : (Decode(pair), "");
            if (name.Contains('.') || name.StartsWith("_has", StringComparison.Ordinal)) return false;
            var modifier = name.Split(':', 2) is [var root, var m] ? (Root: root, Modifier: m) : (Root: name, Modifier: "");
            // A bare id names a patient where the parameter may reference one; on an unknown type, any but result parameters may.
            var bareIsPatient = known
                ? modifier.Modifier == "Patient" || (type == "Patient" && modifier.Root == "_id") || TargetsPatient(registry, type, modifier.Root)
                : !modifier.Root.StartsWith('_') || modifier.Root == "_id";
            if (bareIsPatient && (!known || modifier.Modifier is not ("" or "Patient" or "missing"))) return false;
            foreach (var item in value.Split(','))
            {
                if (PatientId(item) is { } named) { if (named != patient) return false; }
                else if (bareIsPatient && modifier.Modifier != "missing" && !item.Contains('/') && item != patient) return false;
            }
        }
        return true;
    }

    // The id after "Patient/" in a relative or absolute reference (Patient/p1, https://x/fhir/Patient/p1/_history/2).
    private static string? PatientId(string value)
    {
        var at = value.LastIndexOf("Patient/", StringComparison.Ordinal);
        if (at < 0) return null;
        var id = value[(at + "Patient/".Length)..];
        return id.Split('/')[0];
    }

    private static bool TargetsPatient(SearchParameterRegistry registry, string type, string name) =>
        registry.TryGet(type, name, out var parameter) && parameter.Type == SearchParamType.Reference && parameter.Targets.Contains("Patient");

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
