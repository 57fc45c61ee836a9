using System.Text;
using System.Text.Json;
using FhirPortal.Auth.Data;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts;

/// <summary>The first registration step's answer: the Patient proven, or why not (one generic failure for every mismatch).</summary>
public abstract record RegistrationCheck
{
    public sealed record Proven(string PatientId, string CodeHash) : RegistrationCheck;
    public sealed record Failed : RegistrationCheck;
    public sealed record Locked(DateTimeOffset Until) : RegistrationCheck;
}

/// <summary>
/// Proves that the person registering holds a Patient's activation code and knows its MRN and birth date. The Patient is
/// found by identifier search as the server itself; every kind of mismatch (unknown MRN, other patient's MRN, wrong birth
/// date, wrong, used or expired code) is the same failure, costs the same hash comparison, and counts against that MRN.
/// </summary>
public sealed class PatientRegistration(AuthDbContext db, SearchInteraction search, CallerContext callers, ActivationCodes codes,
    IOptions<AccountOptions> options, TimeProvider time)
{
    private const string MrType = "http://terminology.hl7.org/CodeSystem/v2-0203|MR";

    public async Task<RegistrationCheck> CheckAsync(string baseUrl, string mrn, string code, string birthDate, CancellationToken ct)
    {
        mrn = mrn.Trim();
        var now = time.GetUtcNow();
        var throttle = await db.RegistrationThrottles.SingleOrDefaultAsync(t => t.Mrn == mrn, ct);
        if (throttle?.LockedUntil is { } until && until > now.UtcDateTime)
            return new RegistrationCheck.Locked(new DateTimeOffset(until, TimeSpan.Zero));

        string? proven = null, hash = null;
        var candidates = await PatientsWithAsync(baseUrl, mrn, birthDate.Trim(), ct);
        // Note: at least one comparison always runs (against a decoy without candidates), so timing does not tell whether the MRN exists.
        foreach (var patientId in candidates.DefaultIfEmpty(null))
        {
            if (await codes.CheckAsync(patientId, code, ct) is not { } matched || patientId is null) continue;
            (proven, hash) = (patientId, matched);
            break;
        }

        if (proven is not null)
        {
            if (throttle is not null) db.RegistrationThrottles.Remove(throttle);
            await db.SaveChangesAsync(ct);
            return new RegistrationCheck.Proven(proven, hash!);
        }
        if (mrn.Length > 0)
        {
            if (throttle is null) db.RegistrationThrottles.Add(throttle = new RegistrationThrottle { Mrn = mrn });
            throttle.Failures++;
            throttle.LockedUntil = null;
            if (throttle.Failures >= options.Value.MaxRegistrationFailures)
            {
                throttle.Failures = 0;
                throttle.LockedUntil = (now + options.Value.RegistrationLockout).UtcDateTime;
            }
            await db.SaveChangesAsync(ct);
        }
        return new RegistrationCheck.Failed();
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
    private static string Escape(string value)
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
