namespace FhirPortal.Core.Access;

/// <summary>
/// Who is calling, as the access token says: its granted scopes, the launch context (<c>patient</c>,
/// <c>encounter</c>), the signed-in user (<c>fhirUser</c>) and the client. No ASP.NET types, so background jobs
/// (e.g. $export) can store it and decide later with the same policy.
/// </summary>
public sealed record Caller(
    IReadOnlyList<string> Scopes,
    string? PatientId = null,
    string? EncounterId = null,
    string? FhirUser = null,
    string? ClientId = null)
{
    /// <summary>Enforcement is off (FhirPortal:Security:Enabled=false): everything is allowed.</summary>
    public bool Unrestricted { get; init; }

    /// <summary>The organization a staff account belongs to: its <c>user/</c> access is limited to that organization's data.</summary>
    public OrganizationAccess? Organization { get; init; }

    /// <summary>A portal administrator: the only user who may read AuditEvents beyond a patient's own.</summary>
    public bool Administrator { get; init; }

    /// <summary>A user in the portal's <c>billing</c> role: with <c>user/</c> scopes the only users who write bills (<see cref="BillingStaffAccess"/>).</summary>
    public bool BillingStaff { get; init; }

    /// <summary>The signed-in user's account name (the token's <c>name</c>), for the access audit.</summary>
    public string? UserName { get; init; }

    /// <summary>The signed-in user's account id (the token's <c>sub</c>), so work done later for them can check the account still holds.</summary>
    public string? Subject { get; init; }

    /// <summary>The authorization (app grant) the token was issued under, when the authorization server keeps one.</summary>
    public string? AuthorizationId { get; init; }

    /// <summary>The address the request came from, for the access audit (not part of any access decision).</summary>
    public string? NetworkAddress { get; init; }

    /// <summary>
    /// The server acting for itself (seeding, start-up loading, the authorization server's own lookups and audit
    /// records): no token, no scope limits.
    /// </summary>
    public static Caller Server { get; } = new([]) { Unrestricted = true };

    /// <summary>Every request when access control is off (FhirPortal:Security:Enabled=false): everything is allowed.</summary>
    public static Caller Unsecured { get; } = new([]) { Unrestricted = true };

    /// <summary>The caller of code that runs outside any request; it may do nothing.</summary>
    public static Caller Nobody { get; } = new([]);
}
