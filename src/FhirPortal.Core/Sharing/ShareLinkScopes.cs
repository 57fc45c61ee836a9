using FhirPortal.Core.Access;

namespace FhirPortal.Core.Sharing;

/// <summary>
/// The scopes a share link's recipients read under: the creator's grants on the patient's record narrowed to
/// reading (<c>r</c> and <c>s</c>), intersected with <c>patient/*.rs</c>.
/// </summary>
internal static class ShareLinkScopes
{
    private static readonly string[] Everything = ["patient/*.rs"];

    /// <summary>
    /// The creator (already checked to be the patient <paramref name="patientId"/>) reads through <c>patient/</c> grants
    /// confined to its launch patient and <c>user/</c> grants confined to itself; each becomes a <c>patient/</c> read
    /// scope with the same type and granular query. System grants never reach a patient's own link.
    /// </summary>
    public static IReadOnlyList<string> Of(CallerAccess creator, string patientId)
    {
        if (creator.IsUnrestricted) return Everything;
        return SmartScopeParser.ParseAll(creator.Caller.Scopes)
            .Where(g => g.Context == ScopeContext.User || (g.Context == ScopeContext.Patient && creator.Caller.PatientId == patientId))
            .Select(g => (Grant: g, Letters: (g.Permissions.HasFlag(Permissions.Read) ? "r" : "") + (g.Permissions.HasFlag(Permissions.Search) ? "s" : "")))
            .Where(x => x.Letters.Length > 0)
            .Select(x => $"patient/{x.Grant.ResourceType}.{x.Letters}" + (x.Grant.Query is { } query ? "?" + query : ""))
            .Distinct()
            .ToList();
    }
}
