using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts;

/// <summary>The first registration step's answer: the Patient proven, or why not (one generic failure for every mismatch).</summary>
public abstract record RegistrationCheck
{
    /// <param name="CodeHash">The activation code to use up when the account is made; null for a health-plan member (no code).</param>
    public sealed record Proven(string PatientId, string? CodeHash) : RegistrationCheck;
    public sealed record Failed : RegistrationCheck;
    public sealed record Locked(DateTimeOffset Until) : RegistrationCheck;
}

/// <summary>
/// Proves who is registering, one of two ways: a Patient's activation code with its MRN and birth date, or a health-plan
/// member card (<see cref="MemberCoverage"/>). Both run through one throttle: every kind of mismatch is the same
/// failure and counts against what was claimed (the MRN; for a member, the group number and birth date, stored only as
/// a hash), and too many failures lock it for a while. The MRN way always costs one hash comparison, so timing does not
/// tell whether the MRN exists.
/// </summary>
public sealed class PatientRegistration(AttemptThrottle throttle, SearchInteraction search, CallerContext callers, ActivationCodes codes,
    MemberCoverage members, IOptions<AccountOptions> options)
{
    private const string MrType = "http://terminology.hl7.org/CodeSystem/v2-0203|MR";

    public Task<RegistrationCheck> CheckAsync(string baseUrl, string mrn, string code, string birthDate, CancellationToken ct)
    {
        mrn = mrn.Trim();
        return ThrottledAsync(mrn, async () =>
        {
            var candidates = await PatientsWithAsync(baseUrl, mrn, birthDate.Trim(), ct);
            // Note: at least one comparison always runs (against a decoy without candidates), so timing does not tell whether the MRN exists.
            foreach (var patientId in candidates.DefaultIfEmpty(null))
            {
                if (await codes.CheckAsync(patientId, code, ct) is { } matched && patientId is not null)
                    return new RegistrationCheck.Proven(patientId, matched);
            }
            return null;
        }, ct);
    }

    /// <summary>Registration with a health-plan member card: the beneficiary of the matching active Coverage, no activation code.</summary>
    public Task<RegistrationCheck> CheckMemberAsync(string baseUrl, MemberCard card, CancellationToken ct) =>
        ThrottledAsync(MemberThrottleKey(card), async () =>
            await members.BeneficiaryAsync(baseUrl, card, ct) is { } patientId ? new RegistrationCheck.Proven(patientId, null) : null, ct);

    /// <summary>
    /// The lockout of member registration: per group number and birth date, the person being claimed (not per member ID,
    /// which would let a guesser of the SSN digits try each guess under a fresh key, and must not be stored anyway).
    /// </summary>
    private static string MemberThrottleKey(MemberCard card)
    {
        var claimed = card.Group.Trim().ToUpperInvariant() + "|" + card.BirthDate.Trim();
        return "member:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(claimed)));
    }

    /// <summary>Runs a proof unless <paramref name="key"/> is locked (<see cref="AttemptThrottle"/>); a success clears the count.</summary>
    private async Task<RegistrationCheck> ThrottledAsync(string key, Func<Task<RegistrationCheck.Proven?>> prove, CancellationToken ct)
    {
        if (key.Length > 0
            && await throttle.CountAsync(key, options.Value.MaxRegistrationFailures, options.Value.RegistrationLockout, ct) is { } until)
            return new RegistrationCheck.Locked(new DateTimeOffset(until, TimeSpan.Zero));
        if (await prove() is not { } proven) return new RegistrationCheck.Failed();
        if (key.Length > 0) await throttle.ClearAsync(key, ct);
        return proven;
    }

    /// <summary>Ids of the Patients with this MRN and exactly this birth date (normally one; none for any mismatch).</summary>
    private async Task<List<string?>> PatientsWithAsync(string baseUrl, string mrn, string birthDate, CancellationToken ct)
    {
        if (mrn.Length == 0 || birthDate.Length == 0) return [];
        var system = options.Value.MrnSystem;
        var parameter = string.IsNullOrEmpty(system)
            ? KeyValuePair.Create("identifier:of-type", $"{MrType}|{Escape(mrn)}")
            : KeyValuePair.Create("identifier", $"{Escape(system)}|{Escape(mrn)}");
        using var _ = callers.Use(Caller.Server);
        var bundle = await search.ExecuteAsync(baseUrl, new SearchScope("Patient"), [parameter, new("_count", "10")], strict: true, ct);
        var ids = new List<string?>();
        foreach (var entry in bundle.Entries)
        {
            if (entry.Resource is not { } stored) continue;
            using var document = JsonDocument.Parse(stored.Json);
            if (document.RootElement.TryGetProperty("birthDate", out var born) && born.GetString() == birthDate) ids.Add(stored.Key.Id);
        }
        return ids;
    }

    /// <summary>Search value escaping (search.html#escaping): an MRN may hold the separators ',', '|', '$' or '\'.</summary>
    internal static string Escape(string value)
    {
        var escaped = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '\\' or ',' or '|' or '$') escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
