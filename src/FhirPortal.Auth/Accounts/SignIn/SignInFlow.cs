using FhirPortal.Auth.Data;
using FhirPortal.Auth.Mail;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>How a user proves the second factor: an authenticator app they set up, else a code mailed to their confirmed address.</summary>
public enum TwoFactorMethod { None, Authenticator, Email }

/// <summary>The steps the sign-in pages share: finding the account, choosing and sending the second factor, lockout wording.</summary>
public sealed class SignInFlow(UserManager<PortalUser> users, EmailCodeProvider emailCodes, IPortalMail mail, IOptions<SignInOptions> options, TimeProvider clock)
{
    // A hash of nothing in particular: unknown user names are checked against it so they cost the same as a wrong password.
    private static readonly Lazy<string> DecoyHash = new(() => new PasswordHasher<PortalUser>().HashPassword(new PortalUser(), Guid.NewGuid().ToString()));

    /// <summary>The account for what was typed: a user name, else an email address that belongs to exactly one account.</summary>
    public async Task<PortalUser?> FindAsync(string? typed)
    {
        if (string.IsNullOrWhiteSpace(typed)) return null;
        var user = await users.FindByNameAsync(typed.Trim());
        if (user is not null || !typed.Contains('@')) return user;
        try { return await users.FindByEmailAsync(typed.Trim()); }
        catch (InvalidOperationException) { return null; } // an address shared by several accounts names none of them
    }

    /// <summary>Spends the time a password check takes, for a user name that does not exist.</summary>
    public void CheckDecoy(string? password) =>
        users.PasswordHasher.VerifyHashedPassword(new PortalUser(), DecoyHash.Value, password ?? "");

    public async Task<TwoFactorMethod> MethodForAsync(PortalUser user)
    {
        if (await users.GetTwoFactorEnabledAsync(user) && await HasAuthenticatorAsync(user)) return TwoFactorMethod.Authenticator;
        return await emailCodes.CanGenerateTwoFactorTokenAsync(users, user) ? TwoFactorMethod.Email : TwoFactorMethod.None;
    }

    /// <summary>
    /// Whether an authenticator app was enrolled (its first code verified). Identity keeps a key from the moment setup
    /// starts, so the key alone does not say the user has a working app.
    /// </summary>
    public async Task<bool> HasAuthenticatorAsync(PortalUser user) =>
        await users.GetAuthenticationTokenAsync(user, "FhirPortal", "AuthenticatorEnrolled") == "true"
        && !string.IsNullOrEmpty(await users.GetAuthenticatorKeyAsync(user));

    public async Task SetAuthenticatorEnrolledAsync(PortalUser user, bool enrolled)
    {
        if (enrolled) await users.SetAuthenticationTokenAsync(user, "FhirPortal", "AuthenticatorEnrolled", "true");
        else await users.RemoveAuthenticationTokenAsync(user, "FhirPortal", "AuthenticatorEnrolled");
    }

    /// <summary>Mails a fresh sign-in code (replacing any earlier one) to the account's confirmed address.</summary>
    public async Task SendEmailCodeAsync(PortalUser user, CancellationToken ct)
    {
        var code = await users.GenerateTwoFactorTokenAsync(user, EmailCodeProvider.Name);
        var minutes = (int)options.Value.EmailCodeLifetime.TotalMinutes;
        await mail.SendAsync(user.Email!, "Your FhirPortal sign-in code",
            $"Your sign-in code is {code}\n\nIt works once, for {minutes} minutes. If you did not just try to sign in, change your password: " +
            "someone else knows it.\n", ct);
    }

    /// <summary>When the account's lockout ends, or null when it is not locked.</summary>
    public async Task<DateTimeOffset?> LockedUntilAsync(PortalUser user) =>
        await users.IsLockedOutAsync(user) ? await users.GetLockoutEndDateAsync(user) : null;

    /// <summary>What a locked-out person is told: until when, and the two ways out.</summary>
    public string LockedMessage(DateTimeOffset? until)
    {
        var when = until is { } u && u < DateTimeOffset.MaxValue.AddYears(-1)
            ? $"until {u.ToUniversalTime():yyyy-MM-dd HH:mm} UTC (in about {Math.Max(1, (int)Math.Ceiling((u - clock.GetUtcNow()).TotalMinutes))} minutes)"
            : "until an administrator unlocks it";
        return $"This account is locked {when} after too many failed sign-in attempts.";
    }
}
