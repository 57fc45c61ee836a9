using System.Data.Common;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>
/// The portal's own AspNetUserTokens values (pending codes, text counts) read and changed atomically: each change is one
/// SQL statement conditioned on the value it was computed from (compare-and-swap), so parallel requests, on one instance
/// or several, on SQLite or PostgreSQL, cannot both build on the same old value; the loser reads again and recomputes.
/// </summary>
public sealed class AccountTokens(AuthDbContext db)
{
    /// <summary>The login provider the portal's tokens are kept under.</summary>
    public const string Store = "FhirPortal";

    /// <summary>The stored value, straight from the database (never a tracked copy another change left stale).</summary>
    public Task<string?> ReadAsync(string userId, string name, CancellationToken ct) =>
        Rows(userId, name).AsNoTracking().Select(t => t.Value).FirstOrDefaultAsync(ct);

    /// <summary>
    /// Replaces <paramref name="expected"/> (null: there must be no value) with <paramref name="value"/> (null: remove it);
    /// false when the stored value was no longer <paramref name="expected"/>.
    /// </summary>
    public async Task<bool> SwapAsync(string userId, string name, string? expected, string? value, CancellationToken ct)
    {
        Forget(userId, name);
        if (expected is null)
        {
            if (value is null) return await ReadAsync(userId, name, ct) is null;
            var row = db.UserTokens.Add(new IdentityUserToken<string> { UserId = userId, LoginProvider = Store, Name = name, Value = value });
            try
            {
                await db.SaveChangesAsync(ct);
                return true;
            }
            catch (DbUpdateException e) when (IsDuplicateKey(e))
            {
                return false; // a parallel request stored a value first; any other failure (the user gone: a foreign key) is thrown
            }
            finally
            {
                row.State = EntityState.Detached;
            }
        }
        var current = Rows(userId, name).Where(t => t.Value == expected);
        var changed = value is null
            ? await current.ExecuteDeleteAsync(ct)
            : await current.ExecuteUpdateAsync(s => s.SetProperty(t => t.Value, value), ct);
        return changed == 1;
    }

    /// <summary>Stores <paramref name="value"/> whatever was there (a new code replaces the old one).</summary>
    public async Task PutAsync(string userId, string name, string value, CancellationToken ct)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var stored = await ReadAsync(userId, name, ct);
            if (await SwapAsync(userId, name, stored, value, ct)) return;
        }
        throw ContendedToken(name);
    }

    /// <summary>Compare-and-swap rounds a caller tries before giving up: each lost round means another request won one.</summary>
    public const int MaxAttempts = 16;

    /// <summary>The error when <see cref="MaxAttempts"/> rounds were all lost.</summary>
    public static InvalidOperationException ContendedToken(string name) =>
        new($"The account value '{name}' kept changing under {MaxAttempts} attempts to store it.");

    // SQLite: SQLITE_CONSTRAINT_PRIMARYKEY (1555) / _UNIQUE (2067); PostgreSQL: unique_violation (23505).
    private static bool IsDuplicateKey(DbUpdateException e) =>
        e.InnerException is SqliteException { SqliteExtendedErrorCode: 1555 or 2067 } or DbException { SqlState: "23505" };

    private IQueryable<IdentityUserToken<string>> Rows(string userId, string name) =>
        db.UserTokens.Where(t => t.UserId == userId && t.LoginProvider == Store && t.Name == name);

    // Identity's store tracks the tokens it loads; a tracked copy would go stale under these statements.
    private void Forget(string userId, string name)
    {
        foreach (var entry in db.ChangeTracker.Entries<IdentityUserToken<string>>().ToList())
            if (entry.Entity.UserId == userId && entry.Entity.LoginProvider == Store && entry.Entity.Name == name) entry.State = EntityState.Detached;
    }
}
