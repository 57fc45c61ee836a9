using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>
/// Identity two-factor token provider for mailed sign-in codes: 6 random digits, valid for
/// <see cref="SignInOptions.EmailCodeLifetime"/>, single use, void after <see cref="SignInOptions.EmailCodeMaxAttempts"/>
/// wrong entries. Only a hash of the code (Identity's password hasher) is kept, in AspNetUserTokens, with its expiry
/// and the wrong-entry count, so the limits hold across requests and server instances.
/// </summary>
public sealed class EmailCodeProvider(IOptions<SignInOptions> options, TimeProvider clock) : IUserTwoFactorTokenProvider<PortalUser>
{
    public const string Name = "EmailCode";
    private const string Store = "FhirPortal", TokenName = "EmailSignInCode";

    private sealed record Pending(string Hash, DateTimeOffset Expires, int WrongEntries);

    /// <summary>The outcome of the last <see cref="ValidateAsync"/> on this instance (the page words its message by it).</summary>
    public CodeCheck LastCheck { get; private set; }

    public async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<PortalUser> manager, PortalUser user) =>
        !string.IsNullOrEmpty(await manager.GetEmailAsync(user)) && await manager.IsEmailConfirmedAsync(user);

    public async Task<string> GenerateAsync(string purpose, UserManager<PortalUser> manager, PortalUser user)
    {
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        var pending = new Pending(manager.PasswordHasher.HashPassword(user, code), clock.GetUtcNow() + options.Value.EmailCodeLifetime, 0);
        // A new code replaces any earlier one: only the latest mail works.
        await manager.SetAuthenticationTokenAsync(user, Store, TokenName, JsonSerializer.Serialize(pending));
        return code;
    }

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<PortalUser> manager, PortalUser user)
    {
        var stored = await manager.GetAuthenticationTokenAsync(user, Store, TokenName);
        if (stored is null || JsonSerializer.Deserialize<Pending>(stored) is not { } pending)
        {
            LastCheck = CodeCheck.NoCode;
            return false;
        }
        if (clock.GetUtcNow() > pending.Expires)
        {
            await manager.RemoveAuthenticationTokenAsync(user, Store, TokenName);
            LastCheck = CodeCheck.Expired;
            return false;
        }
        var entered = new string(token.Where(char.IsAsciiDigit).ToArray());
        if (entered.Length == 6 && manager.PasswordHasher.VerifyHashedPassword(user, pending.Hash, entered) != PasswordVerificationResult.Failed)
        {
            await manager.RemoveAuthenticationTokenAsync(user, Store, TokenName); // single use
            LastCheck = CodeCheck.Valid;
            return true;
        }
        var wrong = pending.WrongEntries + 1;
        if (wrong >= options.Value.EmailCodeMaxAttempts)
        {
            await manager.RemoveAuthenticationTokenAsync(user, Store, TokenName);
            LastCheck = CodeCheck.Voided;
        }
        else
        {
            await manager.SetAuthenticationTokenAsync(user, Store, TokenName, JsonSerializer.Serialize(pending with { WrongEntries = wrong }));
            LastCheck = CodeCheck.Wrong;
        }
        return false;
    }
}

/// <summary>Why a mailed code was or was not accepted.</summary>
public enum CodeCheck { None, Valid, Wrong, Voided, Expired, NoCode }
