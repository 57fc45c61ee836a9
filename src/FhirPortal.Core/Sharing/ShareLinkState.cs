namespace FhirPortal.Core.Sharing;

/// <summary>
/// A share link as the store's job table keeps it (kind <c>share-link:{patient}</c>, id the SHA-256 of the link's
/// manifest id): no secret in the clear — the manifest id and passcode are hashed, the key is wrapped.
/// </summary>
public sealed record ShareLinkState
{
    public required string Patient { get; init; }
    public string? Label { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required DateTimeOffset Expires { get; init; }
    public int? MaxUses { get; init; }
    public int Uses { get; init; }
    /// <summary>PBKDF2 of the passcode: <c>salt.hash</c>, base64url; null when the link has none.</summary>
    public string? Passcode { get; init; }
    public int AttemptsLeft { get; init; }
    /// <summary>Direct mode (SHL flag U): the URL answers the file itself to a GET; never with a passcode.</summary>
    public bool Direct { get; init; }
    public DateTimeOffset? Revoked { get; init; }
    /// <summary>The AES-256 key as <see cref="IShareLinkKeys.Protect"/> wrapped it.</summary>
    public required string Key { get; init; }
    /// <summary>
    /// The read scopes recipients get: the creator's own read access to the patient's record, as <c>patient/</c>
    /// scopes (<see cref="ShareLinkScopes"/>), so a link never shows more than the token that made it could read.
    /// </summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];
    /// <summary>File locations handed out by manifests and not fetched yet.</summary>
    public IReadOnlyList<FileTicket> Tickets { get; init; } = [];

    /// <summary>active, or why the link no longer answers: expired, revoked, used-up, locked (passcode attempts spent).</summary>
    public string Status(DateTimeOffset now) =>
        Revoked is not null ? "revoked"
        : now >= Expires ? "expired"
        : Passcode is not null && AttemptsLeft <= 0 ? "locked"
        : MaxUses is { } max && Uses >= max ? "used-up"
        : "active";
}

/// <summary>A file location a manifest handed to a recipient: its hashed ticket, expiry and who asked (for the audit).</summary>
public sealed record FileTicket(string Hash, DateTimeOffset Expires, string Recipient);
