using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>
/// An Identity token provider for codes sent to the person (by email or text): 6 random digits, valid for
/// <see cref="SignInOptions.EmailCodeLifetime"/>, single use, void after <see cref="SignInOptions.EmailCodeMaxAttempts"/>
/// wrong entries, bound to the purpose it was made for. Only a hash of the code (Identity's password hasher) is kept,
/// in AspNetUserTokens, with its expiry and the entry count, so the limits hold across requests and instances. Each
/// entry is counted before it is judged, atomically (<see cref="AccountTokens"/>): parallel guesses cannot share one
/// count, so at most the limit of entries is ever checked, and a right code is used once.
/// </summary>
public abstract class OneTimeCodeProvider(IOptions<SignInOptions> options, TimeProvider clock, AccountTokens tokens) : IUserTwoFactorTokenProvider<PortalUser>
{
    internal const string Store = AccountTokens.Store;

    /// <param name="WrongEntries">Entries counted so far (each is counted before it is judged; a right one removes the code).</param>
    private sealed record Pending(string Hash, DateTimeOffset Expires, int WrongEntries, string? Purpose = null);

    /// <summary>The outcome of the last <see cref="ValidateAsync"/> on this instance (the page words its message by it).</summary>
    public CodeCheck LastCheck { get; private set; }

    /// <summary>The AspNetUserTokens name a code for <paramref name="purpose"/> is kept under (one pending code per name).</summary>
    protected abstract string TokenName(string purpose);

    public abstract Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<PortalUser> manager, PortalUser user);

    public async Task<string> GenerateAsync(string purpose, UserManager<PortalUser> manager, PortalUser user)
    {
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        var pending = new Pending(manager.PasswordHasher.HashPassword(user, code), clock.GetUtcNow() + options.Value.EmailCodeLifetime, 0, purpose);
        // A new code replaces any earlier one: only the latest message works.
        await tokens.PutAsync(await manager.GetUserIdAsync(user), TokenName(purpose), JsonSerializer.Serialize(pending), CancellationToken.None);
        return code;
    }

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<PortalUser> manager, PortalUser user)
    {
        LastCheck = await CheckAsync(purpose, token, manager, user);
        return LastCheck == CodeCheck.Valid;
    }

    private async Task<CodeCheck> CheckAsync(string purpose, string token, UserManager<PortalUser> manager, PortalUser user)
    {
        var (userId, name, ct) = (await manager.GetUserIdAsync(user), TokenName(purpose), CancellationToken.None);
        var max = options.Value.EmailCodeMaxAttempts;
        // Count this entry first: the swap fails if a parallel entry counted in between, and then we count again after it.
        Pending pending;
        string counted;
        while (true)
        {
            var stored = await tokens.ReadAsync(userId, name, ct);
            if (stored is null || JsonSerializer.Deserialize<Pending>(stored) is not { } read) return CodeCheck.NoCode;
            if (clock.GetUtcNow() > read.Expires)
            {
                await tokens.SwapAsync(userId, name, stored, null, ct);
                return CodeCheck.Expired;
            }
            // Over the limit: refused unjudged. The code is left to the entries already counted (one of them may be
            // right); the last of them removes it if it is wrong.
            if (read.WrongEntries >= max) return CodeCheck.Voided;
            pending = read with { WrongEntries = read.WrongEntries + 1 };
            counted = JsonSerializer.Serialize(pending);
            if (await tokens.SwapAsync(userId, name, stored, counted, ct)) break;
        }
        var entered = new string(token.Where(char.IsAsciiDigit).ToArray());
        // Note: a code made for another purpose (e.g. to verify another number) is a wrong entry, not a match.
        var samePurpose = pending.Purpose is null || pending.Purpose == purpose;
        if (samePurpose && entered.Length == 6 && manager.PasswordHasher.VerifyHashedPassword(user, pending.Hash, entered) != PasswordVerificationResult.Failed)
            return await UseAsync(userId, name, pending.Hash, ct) ? CodeCheck.Valid : CodeCheck.NoCode;
        if (pending.WrongEntries < max) return CodeCheck.Wrong;
        await tokens.SwapAsync(userId, name, counted, null, ct);
        return CodeCheck.Voided;
    }

    /// <summary>Single use: removes the code (whatever entries were counted since); only the entry that removes it gets in.</summary>
    private async Task<bool> UseAsync(string userId, string name, string hash, CancellationToken ct)
    {
        while (await tokens.ReadAsync(userId, name, ct) is { } stored)
        {
            if (JsonSerializer.Deserialize<Pending>(stored)?.Hash != hash) return false; // replaced by a newer code
            if (await tokens.SwapAsync(userId, name, stored, null, ct)) return true;
        }
        return false;
    }
}

/// <summary>Why a sent code was or was not accepted.</summary>
public enum CodeCheck { None, Valid, Wrong, Voided, Expired, NoCode }
