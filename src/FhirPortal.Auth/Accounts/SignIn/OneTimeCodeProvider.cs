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
/// in AspNetUserTokens, with its expiry and the wrong-entry count, so the limits hold across requests and instances.
/// </summary>
public abstract class OneTimeCodeProvider(IOptions<SignInOptions> options, TimeProvider clock) : IUserTwoFactorTokenProvider<PortalUser>
{
    internal const string Store = "FhirPortal";

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
        await manager.SetAuthenticationTokenAsync(user, Store, TokenName(purpose), JsonSerializer.Serialize(pending));
        return code;
    }

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<PortalUser> manager, PortalUser user)
    {
        var name = TokenName(purpose);
        var stored = await manager.GetAuthenticationTokenAsync(user, Store, name);
        if (stored is null || JsonSerializer.Deserialize<Pending>(stored) is not { } pending)
        {
            LastCheck = CodeCheck.NoCode;
            return false;
        }
        if (clock.GetUtcNow() > pending.Expires)
        {
            await manager.RemoveAuthenticationTokenAsync(user, Store, name);
            LastCheck = CodeCheck.Expired;
            return false;
        }
        var entered = new string(token.Where(char.IsAsciiDigit).ToArray());
        // Note: a code made for another purpose (e.g. to verify another number) is a wrong entry, not a match.
        var samePurpose = pending.Purpose is null || pending.Purpose == purpose;
        if (samePurpose && entered.Length == 6 && manager.PasswordHasher.VerifyHashedPassword(user, pending.Hash, entered) != PasswordVerificationResult.Failed)
        {
            await manager.RemoveAuthenticationTokenAsync(user, Store, name); // single use
            LastCheck = CodeCheck.Valid;
            return true;
        }
        var wrong = pending.WrongEntries + 1;
        if (wrong >= options.Value.EmailCodeMaxAttempts)
        {
            await manager.RemoveAuthenticationTokenAsync(user, Store, name);
            LastCheck = CodeCheck.Voided;
        }
        else
        {
            await manager.SetAuthenticationTokenAsync(user, Store, name, JsonSerializer.Serialize(pending with { WrongEntries = wrong }));
            LastCheck = CodeCheck.Wrong;
        }
        return false;
    }
}

/// <summary>Why a sent code was or was not accepted.</summary>
public enum CodeCheck { None, Valid, Wrong, Voided, Expired, NoCode }
