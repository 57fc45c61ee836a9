using FhirPortal.Core.Access;

namespace FhirPortal.Auth.Scopes;

/// <summary>
/// Which requested scopes the authorization server grants: the fixed SMART scopes and the resource scopes that
/// Core.Access's parser understands (one grammar for issuing and enforcing), when the client is registered for them.
/// Malformed or unknown scopes are dropped, never fatal.
/// </summary>
public static class SmartScopes
{
    public static readonly string[] Fixed =
        ["openid", "fhirUser", "profile", "launch", "launch/patient", "launch/encounter", "offline_access", "online_access", Handlers.IntrospectionCaller.Scope];

    public static bool IsValid(string scope) => Fixed.Contains(scope, StringComparer.Ordinal) || IsResourceScope(scope);

    public static bool IsResourceScope(string scope) => SmartScopeParser.Parse(scope) is not null;

    /// <summary>The context (<c>patient</c>, <c>user</c>, <c>system</c>) of a resource scope, or null.</summary>
    public static string? Context(string scope) => SmartScopeParser.Parse(scope)?.Context switch
    {
        ScopeContext.Patient => "patient",
        ScopeContext.User => "user",
        ScopeContext.System => "system",
        _ => null,
    };

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
