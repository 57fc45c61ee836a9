namespace FhirPortal.Core.Validation;

/// <summary>What to do with a profile an instance claims in meta.profile that the server does not hold.</summary>
public enum UnknownProfilePolicy { Warn, Reject }

/// <summary>The validation policy: which types must conform to which profile, and how unknown profiles count.</summary>
public sealed record ValidationSettings(IReadOnlyDictionary<string, string> RequiredProfiles, UnknownProfilePolicy UnknownProfile)
{
    /// <summary>The canonical base of the portal's own StructureDefinitions (profiles/).</summary>
    public const string PortalProfileBase = "http://fhirportal.org/fhir/StructureDefinition/";

    public static readonly ValidationSettings None = new(new Dictionary<string, string>(), UnknownProfilePolicy.Warn);

    /// <summary>
    /// Parses <c>RequireProfiles</c>: a comma-separated list of <c>Type</c> (the portal's profile for it,
    /// <c>.../StructureDefinition/portal-type</c>) or <c>Type=canonical</c> entries; empty means none.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ParseRequired(string? value)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split('=', 2, StringSplitOptions.TrimEntries);
            if (!Hl7.Fhir.Model.ModelInfo.IsKnownResource(parts[0]))
                throw new ArgumentException($"RequireProfiles names '{parts[0]}', which is not an R4 resource type.");
            result[parts[0]] = parts.Length == 2 ? parts[1] : PortalProfileBase + "portal-" + parts[0].ToLowerInvariant();
        }
        return result;
    }
}
