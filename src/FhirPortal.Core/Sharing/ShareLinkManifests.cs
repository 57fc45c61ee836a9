using System.Security.Cryptography;
using System.Text.Json.Nodes;
using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Core.Serialization;
using FhirPortal.Core.Summary;
using FhirPortal.Storage;

namespace FhirPortal.Core.Sharing;

/// <summary>A manifest request (SHL): who is asking, the passcode of a P link, and the longest file to embed.</summary>
public sealed record ManifestRequest(string? Recipient, string? Passcode, int? EmbeddedLengthMax);

/// <summary>The manifest JSON, or for a wrong passcode the attempts left (SHL: 401 with <c>remainingAttempts</c>).</summary>
public sealed record ManifestAnswer(JsonObject? Manifest, int? RemainingAttempts);

/// <summary>
/// What recipients of a share link reach without an account: the manifest (POST, with <c>recipient</c> and the
/// passcode) and the file locations it hands out. The file is the patient's $summary built now, under a caller
/// confined to that patient with the read scopes of the token that made the link (the recipient and their address,
/// app <c>smart-health-link</c>), encrypted with the link's key; each request is an audited access the patient sees
/// in their access log, refusals included.
/// </summary>
public sealed class ShareLinkManifests(ShareLinkStore links, IShareLinkKeys keys, PatientSummaryOperation summary, AccessAudit audit,
    CallerContext callers, ShareLinkOptions options, TimeProvider clock)
{
    public const string ContentType = "application/fhir+json;fhirVersion=4.0.1";
    /// <summary>The app agent of recipients' accesses in the audit.</summary>
    public const string App = "smart-health-link";
    /// <summary>File locations a link keeps open at once; a newer manifest request retires the oldest.</summary>
    public const int MaxTickets = 20;

    /// <param name="fhirBase">The FHIR base the document's fullUrls use.</param>
    /// <param name="shlBase">The base of manifest URLs (file locations are under it).</param>
    public async Task<ManifestAnswer> ManifestAsync(string fhirBase, string shlBase, string token, ManifestRequest request, string? address, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Recipient))
            throw FhirOutcomeException.BadRequest("A manifest request needs recipient: who is asking, shown to the patient.", "recipient");
        if (request.EmbeddedLengthMax is < 0) throw FhirOutcomeException.BadRequest("embeddedLengthMax must not be negative.", "embeddedLengthMax");
        var id = ShareLinkSecrets.Hash(token);
        var known = await links.ReadAsync(id, ct) ?? throw NoLink();
        int? remaining = null;
        using var _ = callers.Use(Recipient(known, request.Recipient, address));
        try
        {
            var answer = await audit.RecordAsync("operation", "Patient", $"shl/{id}/manifest", [known.Patient], async () =>
            {
                var now = clock.GetUtcNow();
                var granted = await links.ChangeAsync(id, state =>
                {
                    if (state is null || state.Status(now) != "active") throw NoLink();
                    if (state.Passcode is { } hash && (request.Passcode is not { } given || !ShareLinkSecrets.PasscodeMatches(hash, given)))
                    {
                        remaining = state.AttemptsLeft - 1;
                        return (state with { AttemptsLeft = remaining.Value }, (ShareLinkState?)null);
                    }
                    var used = state with { Uses = state.Uses + 1, Tickets = [.. state.Tickets.Where(t => t.Expires > now)] };
                    return (used, used);
                }, ct);
                if (granted is null)
                    throw FhirOutcomeException.Single(401, Hl7.Fhir.Model.OperationOutcome.IssueType.Security, $"Wrong passcode; {remaining} attempts left.");
                var (jwe, sources) = await FileAsync(fhirBase, granted, ct);
                return (Manifest: await ManifestAsync(shlBase, token, id, jwe, request, ct), Sources: sources);
            }, r => r.Sources);
            return new ManifestAnswer(answer.Manifest, null);
        }
        catch (FhirOutcomeException e) when (e.Status == 401 && remaining is { } left)
        {
            return new ManifestAnswer(null, left);
        }
    }

    /// <summary>
    /// Direct mode (flag U): <c>GET [url]?recipient=</c> answers the one file itself, a JWE; counted and audited like a
    /// manifest request. A link made without <c>direct</c> answers 404 here.
    /// </summary>
    public async Task<string> DirectAsync(string fhirBase, string token, string? recipient, string? address, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(recipient))
            throw FhirOutcomeException.BadRequest("A direct file request needs recipient: who is asking, shown to the patient.", "recipient");
        var id = ShareLinkSecrets.Hash(token);
        var known = await links.ReadAsync(id, ct) ?? throw NoLink();
        using var _ = callers.Use(Recipient(known, recipient, address));
        var (jwe, _) = await audit.RecordAsync("operation", "Patient", $"shl/{id}/direct", [known.Patient], async () =>
        {
            var now = clock.GetUtcNow();
            var granted = await links.ChangeAsync(id, state =>
            {
                if (state is not { Direct: true } || state.Status(now) != "active") throw NoLink();
                var used = state with { Uses = state.Uses + 1 };
                return (used, used);
            }, ct);
            return await FileAsync(fhirBase, granted, ct);
        }, r => r.Sources);
        return jwe;
    }

    /// <summary>A file location from a manifest: single use, valid <see cref="ShareLinkOptions.FileLifetime"/>, while the link is active.</summary>
    public async Task<string> FileAsync(string fhirBase, string token, string ticket, string? address, CancellationToken ct)
    {
        var id = ShareLinkSecrets.Hash(token);
        var known = await links.ReadAsync(id, ct) ?? throw NoLink();
        var hash = ShareLinkSecrets.Hash(ticket);
        var recipient = known.Tickets.FirstOrDefault(t => t.Hash == hash)?.Recipient ?? "unknown recipient";
        using var _ = callers.Use(Recipient(known, recipient, address));
        var (jwe, _) = await audit.RecordAsync("operation", "Patient", $"shl/{id}/file", [known.Patient], async () =>
        {
            var now = clock.GetUtcNow();
            var state = await links.ChangeAsync(id, state =>
            {
                if (state is null || state.Status(now) is not ("active" or "used-up") || state.Tickets.FirstOrDefault(t => t.Hash == hash) is not { } found || found.Expires <= now)
                    throw FhirOutcomeException.NotFound("This file location is unknown, was used or has expired; ask the manifest again.");
                var taken = state with { Tickets = [.. state.Tickets.Where(t => t.Hash != hash)] };
                return (taken, taken);
            }, ct);
            return await FileAsync(fhirBase, state, ct);
        }, r => r.Sources);
        return jwe;
    }

    /// <summary>The patient's summary now, as a JWE under the link's key, and the versions it holds (for the audit).</summary>
    private async Task<(string Jwe, IReadOnlyList<StoredResource> Sources)> FileAsync(string fhirBase, ShareLinkState link, CancellationToken ct)
    {
        byte[] key;
        try
        {
            key = keys.Unprotect(link.Key);
        }
        catch (CryptographicException)
        {
            // The host's key ring lost the key that wrapped it (e.g. an unpersisted ring after a restart).
            throw FhirOutcomeException.NotFound("This share link can no longer be opened; ask the patient for a new one.");
        }
        var (document, sources) = await summary.DocumentAsync(fhirBase, link.Patient, ct);
        return (ShareLinkSecrets.Encrypt(key, FhirSerializer.ToJsonBytes(document), "application/fhir+json"), sources);
    }

    /// <summary>SHL manifest: the file embedded, or when it is longer than <c>embeddedLengthMax</c> a one-time location.</summary>
    private async Task<JsonObject> ManifestAsync(string shlBase, string token, string id, string jwe, ManifestRequest request, CancellationToken ct)
    {
        var file = new JsonObject { ["contentType"] = ContentType, ["lastUpdated"] = clock.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ") };
        if (request.EmbeddedLengthMax is not { } max || jwe.Length <= max) file["embedded"] = jwe;
        else
        {
            var ticket = ShareLinkSecrets.NewToken();
            var expires = clock.GetUtcNow() + options.FileLifetime;
            var now = clock.GetUtcNow();
            // Note: the newest tickets are kept, expired ones dropped, so the link's record stays small.
            await links.ChangeAsync(id, state => (state is null ? null : state with
            {
                Tickets = [.. state.Tickets.Where(t => t.Expires > now).TakeLast(MaxTickets - 1), new FileTicket(ShareLinkSecrets.Hash(ticket), expires, request.Recipient!)],
            }, 0), ct);
            file["location"] = $"{shlBase}/{token}/file/{ticket}";
        }
        return new JsonObject { ["status"] = "can-change", ["files"] = new JsonArray(file) };
    }

    /// <summary>The recipient as a caller: the link's read scopes on the patient's record (<see cref="ShareLinkState.Scopes"/>), named for the audit.</summary>
    private static Caller Recipient(ShareLinkState link, string recipient, string? address) =>
        new(link.Scopes, PatientId: link.Patient, ClientId: App) { UserName = recipient.Length > 200 ? recipient[..200] : recipient, NetworkAddress = address };

    /// <summary>SHL: an unknown, expired, revoked, used-up or locked link answers 404 alike.</summary>
    private static FhirOutcomeException NoLink() => FhirOutcomeException.NotFound("This share link does not exist or is no longer active.");
}
