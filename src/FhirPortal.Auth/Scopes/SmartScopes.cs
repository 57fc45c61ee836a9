using System.Text.RegularExpressions;

namespace FhirPortal.Auth.Scopes;

/// <summary>
/// A syntax-level check of SMART scopes (App Launch 2.x, scopes-and-launch-context.html) so the authorization server
/// can grant what is well formed and drop the rest. What a scope allows is decided by Core.Access, not here.
/// </summary>
public static partial class SmartScopes
{
    public static readonly string[] Fixed =
        ["openid", "fhirUser", "profile", "launch", "launch/patient", "launch/encounter", "offline_access", "online_access"];

    // v1: context/Type.read|write|*; v2: context/Type.cruds (letters in that order) with an optional ?query.
    [GeneratedRegex(@"^(patient|user|system)/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|(?=[cruds])c?r?u?d?s?(\?[^\s?]+)?)$")]
    private static partial Regex Resource();

    public static bool IsValid(string scope) => Fixed.Contains(scope, StringComparer.Ordinal) || Resource().IsMatch(scope);

    public static bool IsResourceScope(string scope) => Resource().IsMatch(scope);

    /// <summary>The context (<c>patient</c>, <c>user</c>, <c>system</c>) of a resource scope, or null.</summary>
    public static string? Context(string scope) => Resource().Match(scope) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>
    /// Whether a client registered with <paramref name="allowed"/> may get <paramref name="scope"/>: an exact entry,
    /// or <c>patient/*</c>, <c>user/*</c>, <c>system/*</c> for every resource scope of that context.
    /// </summary>
    public static bool IsAllowed(string scope, IEnumerable<string> allowed) =>
        allowed.Any(a => a == scope || (a.EndsWith("/*", StringComparison.Ordinal) && Context(scope) == a[..^2]));

    /// <summary>Requested scopes a client may get, in request order: valid, allowed, no duplicates.</summary>
    public static List<string> Grantable(IEnumerable<string> requested, IEnumerable<string> allowed)
    {
        var allowedList = allowed.ToList();
        return requested.Distinct(StringComparer.Ordinal).Where(s => IsValid(s) && IsAllowed(s, allowedList)).ToList();
    }
}
