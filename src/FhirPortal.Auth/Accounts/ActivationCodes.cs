using System.Security.Cryptography;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts;

/// <summary>
/// Activation codes that let a patient register an account: staff issue one per Patient (a new one replaces the old),
/// the patient types it on the registration page. Only a salted hash is stored (Identity's password hasher, PBKDF2).
/// </summary>
public sealed class ActivationCodes(AuthDbContext db, IPasswordHasher<ActivationCode> hasher, IOptions<AccountOptions> options, TimeProvider time)
{
    // Crockford's base32: no I, L, O or U, so what is read aloud or copied by hand comes back the same; 16 symbols = 80 bits.
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private const int Length = 16;

    // Compared when there is no code to compare with, so an unknown MRN costs as much time as a wrong code.
    private static readonly Lazy<string> DecoyHash = new(() => new PasswordHasher<ActivationCode>().HashPassword(new ActivationCode(), Normalize(NewCode())));

    /// <summary>Issues a new code for the Patient, replacing any earlier one; returns the code (shown once) and when it expires.</summary>
    public async Task<(string Code, DateTimeOffset Expires)> IssueAsync(string patientId, string issuedBy, CancellationToken ct)
    {
        var code = NewCode();
        var now = time.GetUtcNow();
        var expires = now + options.Value.ActivationCodeLifetime;
        var row = await db.ActivationCodes.SingleOrDefaultAsync(c => c.PatientId == patientId, ct);
        if (row is null) db.ActivationCodes.Add(row = new ActivationCode { PatientId = patientId });
        row.CodeHash = hasher.HashPassword(row, Normalize(code));
        row.IssuedAt = now.UtcDateTime;
        row.ExpiresAt = expires.UtcDateTime;
        row.IssuedBy = issuedBy;
        await db.SaveChangesAsync(ct);
        return (code, expires);
    }

    /// <summary>
    /// The stored hash when <paramref name="code"/> is the Patient's current, unexpired code; null otherwise. A hash is
    /// always compared (a decoy when the Patient has no code), so the answer takes as long either way.
    /// </summary>
    public async Task<string?> CheckAsync(string? patientId, string code, CancellationToken ct)
    {
        var row = patientId is null ? null : await db.ActivationCodes.AsNoTracking().SingleOrDefaultAsync(c => c.PatientId == patientId, ct);
        var live = row is not null && row.ExpiresAt > time.GetUtcNow().UtcDateTime;
        var verdict = hasher.VerifyHashedPassword(row ?? new ActivationCode(), live ? row!.CodeHash : DecoyHash.Value, Normalize(code));
        return live && verdict != PasswordVerificationResult.Failed ? row!.CodeHash : null;
    }

    /// <summary>Uses up the code checked earlier (identified by its hash): false when it was used, replaced or expired meanwhile.</summary>
    public async Task<bool> ConsumeAsync(string patientId, string codeHash, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        // One DELETE decides: of two registrations racing with the same code only one sees a row go.
        return await db.ActivationCodes.Where(c => c.PatientId == patientId && c.CodeHash == codeHash && c.ExpiresAt > now).ExecuteDeleteAsync(ct) == 1;
    }

    /// <summary>A new code, shown as four groups of four (e.g. <c>7K3M-Q9XD-2HPA-VN4T</c>).</summary>
    public static string NewCode()
    {
        var symbols = RandomNumberGenerator.GetItems<char>(Alphabet, Length);
        return string.Join('-', symbols.Chunk(4).Select(g => new string(g)));
    }

    /// <summary>What the person typed, as the code was hashed: upper case, no separators, look-alike letters read as digits.</summary>
    public static string Normalize(string code) =>
        new(code.ToUpperInvariant().Where(char.IsLetterOrDigit).Select(c => c switch { 'O' => '0', 'I' or 'L' => '1', _ => c }).ToArray());
}
