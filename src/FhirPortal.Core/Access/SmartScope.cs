namespace FhirPortal.Core.Access;

/// <summary>Whose data a SMART resource scope reaches: the launch patient's, the signed-in user's, or a backend system's.</summary>
public enum ScopeContext { Patient, User, System }

/// <summary>The SMART v2 interactions (c, r, u, d, s); v1 <c>read</c> is r+s, v1 <c>write</c> is c+u+d.</summary>
[Flags]
public enum Permissions
{
    None = 0,
    Create = 1,
    Read = 2,
    Update = 4,
    Delete = 8,
    Search = 16,
    All = Create | Read | Update | Delete | Search,
}

/// <summary>
/// One SMART resource scope (https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html):
/// <c>patient/Observation.rs?category=...</c>. <see cref="ResourceType"/> is a type or <c>*</c>;
/// <see cref="Query"/> holds a v2 granular scope's search parameters.
/// </summary>
public sealed record SmartScope(ScopeContext Context, string ResourceType, Permissions Permissions, string? Query = null)
{
    public bool Covers(string resourceType) => ResourceType == "*" || ResourceType == resourceType;
}
