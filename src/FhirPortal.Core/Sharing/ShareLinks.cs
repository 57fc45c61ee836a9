using System.Text.Json.Nodes;
using System.Buffers.Text;
using System.Text;
using FhirPortal.Core.Access;
using FhirPortal.Core.Operations;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Sharing;

/// <summary>
/// A patient's share links (SMART Health Links, https://hl7.org/fhir/uv/smart-health-cards-and-links/): create one
/// for their $summary with an expiry (required, at most <see cref="ShareLinkOptions.MaxLifetime"/>), optional
/// passcode and maximum uses; list them; revoke one. Only the patient themself may (a token whose <c>fhirUser</c> is
/// the patient); staff and other patients get 403. Recipients read no more than the creating token could.
/// </summary>
public sealed class ShareLinks(ShareLinkStore links, IShareLinkKeys keys, IResourceStore store, ShareLinkOptions options, CallerContext callers, TimeProvider clock)
{
    private static readonly HashSet<string> CreateParameters = ["expires", "passcode", "maxUses", "label", "direct"];

    /// <summary>$share-link: a new link; answers the <c>shlink:/</c> URI (shown once: the server keeps no copy of it) and the link's entry.</summary>
    /// <param name="shlBase">The base of manifest URLs, e.g. <c>https://portal.example/shl</c>.</param>
    public async Task<Parameters> CreateAsync(string shlBase, string patientId, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken ct)
    {
        await RequirePatientAsync(patientId, ct);
        foreach (var (name, _) in parameters.Where(p => !CreateParameters.Contains(p.Key) && p.Key is not ("_format" or "_pretty")))
            throw FhirOutcomeException.BadRequest($"$share-link does not take '{name}'; it takes expires, passcode, maxUses, label and direct.", name);
        var now = clock.GetUtcNow();
        var expires = Single(parameters, "expires") is { } expiry
            ? OperationParameters.Instant(expiry, "expires")
            : throw FhirOutcomeException.BadRequest("$share-link needs expires: the instant the link stops working.", "expires");
        if (expires <= now || expires > now + options.MaxLifetime)
            throw FhirOutcomeException.BadRequest($"expires must be in the future and at most {options.MaxLifetime.TotalDays:0.##} days away.", "expires");
        var passcode = Single(parameters, "passcode");
        if (passcode is { Length: 0 or > 200 }) throw FhirOutcomeException.BadRequest("passcode must have 1 to 200 characters.", "passcode");
        var maxUses = Single(parameters, "maxUses") is { } uses ? OperationParameters.Count(uses, int.MaxValue, "maxUses") : (int?)null;
        var label = Single(parameters, "label");
        if (label is { Length: > 80 }) throw FhirOutcomeException.BadRequest("label must have at most 80 characters (SMART Health Links).", "label");

        // A Parameters valueBoolean arrives as "True"/"False" (its .NET text).
        var direct = Single(parameters, "direct")?.ToLowerInvariant() switch
        {
            null or "false" => false,
            "true" => true,
            var other => throw FhirOutcomeException.BadRequest($"direct is true or false, not '{other}'.", "direct"),
        };
        if (direct && passcode is not null) throw FhirOutcomeException.BadRequest("A direct link (flag U) cannot have a passcode (SMART Health Links).", "direct");

        var active = (await links.ListAsync(patientId, ct)).Count(l => l.State.Status(now) == "active");
        if (active >= options.MaxLinksPerPatient)
            throw FhirOutcomeException.Unprocessable($"Patient/{patientId} already has {active} active share links; revoke one first.");

        var token = ShareLinkSecrets.NewToken();
        var key = ShareLinkSecrets.NewKey();
        var state = new ShareLinkState
        {
            Patient = patientId, Label = label, Created = now, Expires = expires, MaxUses = maxUses,
            Passcode = passcode is null ? null : ShareLinkSecrets.HashPasscode(passcode),
            AttemptsLeft = passcode is null ? 0 : options.PasscodeAttempts,
            Direct = direct,
            Key = keys.Protect(key),
            Scopes = ShareLinkScopes.Of(callers.Current, patientId),
        };
        var id = ShareLinkSecrets.Hash(token);
        await links.SaveAsync(id, state, ct);

        var result = new Parameters();
        result.Add("shlink", new FhirString(Uri(shlBase, token, key, state)));
        result.Parameter.Add(Entry(id, state, now));
        return result;
    }

    /// <summary>$share-links: the patient's links, newest first, each with its status (active, expired, revoked, used-up, locked).</summary>
    public async Task<Parameters> ListAsync(string patientId, CancellationToken ct)
    {
        await RequirePatientAsync(patientId, ct);
        var now = clock.GetUtcNow();
        var result = new Parameters();
        foreach (var (id, state) in await links.ListAsync(patientId, ct)) result.Parameter.Add(Entry(id, state, now));
        return result;
    }

    /// <summary>$share-link-revoke: the link <c>id</c> stops working at once (its manifest and pending files answer 404).</summary>
    public async Task<Parameters> RevokeAsync(string patientId, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken ct)
    {
        await RequirePatientAsync(patientId, ct);
        var id = Single(parameters, "id") ?? throw FhirOutcomeException.BadRequest("$share-link-revoke needs id: the link to revoke.", "id");
        var now = clock.GetUtcNow();
        var revoked = await links.ChangeAsync(id, state =>
        {
            if (state is null || state.Patient != patientId) throw FhirOutcomeException.NotFound($"Patient/{patientId} has no share link '{id}'.");
            var changed = state.Revoked is null ? state with { Revoked = now, Tickets = [] } : state;
            return (changed, changed);
        }, ct);
        await links.KeepRevokedAsync(id, revoked, CancellationToken.None);
        var result = new Parameters();
        result.Parameter.Add(Entry(id, revoked, now));
        return result;
    }

    /// <summary>The link as the patient sees it: no secret, only what identifies and limits it.</summary>
    private static Parameters.ParameterComponent Entry(string id, ShareLinkState state, DateTimeOffset now)
    {
        var entry = new Parameters.ParameterComponent { Name = "link" };
        void Part(string name, DataType value) => entry.Part.Add(new Parameters.ParameterComponent { Name = name, Value = value });
        Part("id", new FhirString(id));
        if (state.Label is { } label) Part("label", new FhirString(label));
        Part("status", new Code(state.Status(now)));
        Part("created", new Instant(state.Created));
        Part("expires", new Instant(state.Expires));
        if (state.Revoked is { } revoked) Part("revoked", new Instant(revoked));
        Part("uses", new Integer(state.Uses));
        if (state.MaxUses is { } max) Part("maxUses", new Integer(max));
        Part("passcode", new FhirBoolean(state.Passcode is not null));
        return entry;
    }

    /// <summary>
    /// The SHL URI: <c>shlink:/</c> + base64url of the payload {url, key, exp, flag, label, v}. Flags: L (the recipient
    /// may come back for the current summary) unless it is single-use, P with a passcode, U for direct mode.
    /// </summary>
    private static string Uri(string shlBase, string token, byte[] key, ShareLinkState state)
    {
        var flag = (state.MaxUses is 1 ? "" : "L") + (state.Passcode is null ? "" : "P") + (state.Direct ? "U" : "");
        var payload = new JsonObject
        {
            ["url"] = $"{shlBase}/{token}",
            ["key"] = Base64Url.EncodeToString(key),
            ["exp"] = state.Expires.ToUnixTimeSeconds(),
        };
        if (flag.Length > 0) payload["flag"] = flag;
        if (state.Label is { } label) payload["label"] = label;
        payload["v"] = 1;
        return "shlink:/" + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()));
    }

    /// <summary>Only the patient: a token whose user is the patient (<c>fhirUser</c> Patient/{id}), with read access to their record; 403 for anyone else.</summary>
    private async System.Threading.Tasks.Task RequirePatientAsync(string patientId, CancellationToken ct)
    {
        var caller = callers.Current;
        // Note: the signed-in user must be the patient; a practitioner's app with patient/ scopes is not.
        if (!caller.IsUnrestricted && CallerAccess.PatientUser(caller.Caller.FhirUser) != patientId)
            throw FhirOutcomeException.Forbidden($"Only the patient may manage the share links of Patient/{patientId}.");
        caller.RequirePatientRecord(patientId);
        var patient = await store.ReadAsync(new ResourceKey("Patient", patientId), ct);
        if (patient is null || patient.IsDeleted) throw FhirOutcomeException.NotFound($"Patient/{patientId} is not known.");
        await caller.RequireReadAsync(patient, Permissions.Read, ct);
    }

    private static string? Single(IReadOnlyList<KeyValuePair<string, string>> parameters, string name)
    {
        var values = parameters.Where(p => p.Key == name).Select(p => p.Value).ToList();
        return values.Count switch
        {
            0 => null,
            1 => values[0],
            _ => throw FhirOutcomeException.BadRequest($"{name} may be given once.", name),
        };
    }
}
