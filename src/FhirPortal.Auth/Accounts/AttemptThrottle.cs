using System.Security.Cryptography;
using System.Text;
using FhirPortal.Auth.Data;
using Microsoft.EntityFrameworkCore;

namespace FhirPortal.Auth.Accounts;

/// <summary>
/// Lockout counters of guessable lookups (registration, guest bill pay) in the account database. An attempt is counted
/// before it is judged, with an atomic increment in the database, so parallel guesses cannot all slip in under the
/// limit (on one instance or several): the attempt after <c>maxFailures</c> locks the key instead of being tried.
/// </summary>
public sealed class AttemptThrottle(AuthDbContext db, TimeProvider time)
{
    private const int MaxKeyLength = 128;

    /// <summary>Counts one attempt at <paramref name="key"/>; the time it is locked until when it may not be tried.</summary>
    public async Task<DateTime?> CountAsync(string key, int maxFailures, TimeSpan lockout, CancellationToken ct)
    {
        key = Stored(key);
        var now = time.GetUtcNow().UtcDateTime;
        if (!await db.RegistrationThrottles.AnyAsync(t => t.Mrn == key, ct))
        {
            var row = db.RegistrationThrottles.Add(new RegistrationThrottle { Mrn = key });
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateException) { } // a parallel attempt made the row first
            finally { row.State = EntityState.Detached; }
        }
        if (await LockedUntilAsync(key, ct) is { } locked)
        {
            if (locked > now) return locked;
            // The lock has run out: the count starts again (once: only the first to get here matches the old lock).
            await db.RegistrationThrottles.Where(t => t.Mrn == key && t.LockedUntil == locked)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.Failures, 0).SetProperty(t => t.LockedUntil, (DateTime?)null), ct);
        }
        // While locked the count is never reset, so each attempt's number is unique and only the first maxFailures run.
        await db.RegistrationThrottles.Where(t => t.Mrn == key).ExecuteUpdateAsync(s => s.SetProperty(t => t.Failures, t => t.Failures + 1), ct);
        var failures = await db.RegistrationThrottles.Where(t => t.Mrn == key).Select(t => t.Failures).FirstOrDefaultAsync(ct); // 0: a success just cleared it
        if (failures <= maxFailures) return null;
        var until = now + lockout;
        await db.RegistrationThrottles.Where(t => t.Mrn == key && t.LockedUntil == null).ExecuteUpdateAsync(s => s.SetProperty(t => t.LockedUntil, until), ct);
        return await LockedUntilAsync(key, ct) ?? until;
    }

    /// <summary>A success: the key's count starts again.</summary>
    public Task ClearAsync(string key, CancellationToken ct)
    {
        key = Stored(key);
        return db.RegistrationThrottles.Where(t => t.Mrn == key).ExecuteDeleteAsync(ct);
    }

    private Task<DateTime?> LockedUntilAsync(string key, CancellationToken ct) =>
        db.RegistrationThrottles.Where(t => t.Mrn == key).Select(t => t.LockedUntil).FirstOrDefaultAsync(ct);

    // A key is what the guesser typed: long input is stored as its hash, so rows stay small (and within index limits).
    private static string Stored(string key) =>
        key.Length <= MaxKeyLength ? key : "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
