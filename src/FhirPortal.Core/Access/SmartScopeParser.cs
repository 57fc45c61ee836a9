namespace FhirPortal.Core.Access;

/// <summary>
/// Parses SMART App Launch 2.x resource scopes, v1 (<c>patient/Observation.read</c>, <c>user/*.write</c>,
/// <c>patient/*.*</c>) and v2 (<c>patient/Observation.rs</c>, letters of <c>cruds</c> in that order, with an
/// optional granular <c>?param=value</c> query). Everything else (openid, fhirUser, launch, offline_access, unknown
/// or malformed scopes) grants no resource access and is skipped, never fatal.
/// </summary>
public static class SmartScopeParser
{
    private const string V2Letters = "cruds";

    /// <summary>The resource scopes among <paramref name="scopes"/> (each may itself hold several space-separated scopes).</summary>
    public static IReadOnlyList<SmartScope> ParseAll(IEnumerable<string> scopes) =>
        scopes.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(Parse)
            .OfType<SmartScope>()
            .Distinct()
            .ToList();

    /// <summary>The resource scope <paramref name="scope"/> denotes, or null when it is not a (well-formed) resource scope.</summary>
    public static SmartScope? Parse(string scope)
    {
        var slash = scope.IndexOf('/');
        if (slash < 0) return null;
        ScopeContext? context = scope[..slash] switch
        {
            "patient" => ScopeContext.Patient,
            "user" => ScopeContext.User,
            "system" => ScopeContext.System,
            _ => null, // e.g. launch/patient
        };
        if (context is null) return null;

        var rest = scope[(slash + 1)..];
        var question = rest.IndexOf('?');
        var query = question < 0 ? null : rest[(question + 1)..];
        if (question >= 0) rest = rest[..question];
        var dot = rest.LastIndexOf('.');
        if (dot <= 0) return null;
        var type = rest[..dot];
        if (type != "*" && !Hl7.Fhir.Model.ModelInfo.IsKnownResource(type)) return null;

        var permissions = rest[(dot + 1)..] switch
        {
            "read" => Permissions.Read | Permissions.Search,
            "write" => Permissions.Create | Permissions.Update | Permissions.Delete,
            "*" => Permissions.All,
            var letters => V2(letters),
        };
        if (permissions == Permissions.None) return null;
        var v1 = rest[(dot + 1)..] is "read" or "write" or "*";
        // Granular queries exist only in v2 syntax, and an empty query ("Observation.rs?") is malformed.
        if (query is not null && (v1 || query.Length == 0)) return null;
        return new SmartScope(context.Value, type, permissions, query);
    }

    /// <summary>v2 letters: a non-empty subsequence of "cruds" (each letter once, in that order), else None.</summary>
    private static Permissions V2(string letters)
    {
        var result = Permissions.None;
        var next = 0;
        foreach (var letter in letters)
        {
            var position = V2Letters.IndexOf(letter, next);
            if (position < 0) return Permissions.None;
            result |= (Permissions)(1 << position);
            next = position + 1;
        }
        return result;
    }
}
