using FhirPortal.Auth.Data;
using FhirPortal.Auth.Mail;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>How a user proves the second factor: an authenticator app they set up, else a code mailed to their confirmed address or texted to their verified mobile number.</summary>
public enum TwoFactorMethod { None, Authenticator, Email, Text }

/// <summary>The steps the sign-in pages share: finding the account, choosing and sending the second factor, lockout wording.</summary>
public sealed class SignInFlow(UserManager<PortalUser> users, EmailCodeProvider emailCodes, TextCodeProvider textCodes, IPortalMail mail,
    AccountTexts texts, IOptions<SignInOptions> options, TimeProvider clock)
{
    private const string ChannelToken = "SignInCodeChannel";

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

    /// <summary>
    /// The second factor asked for: the authenticator app when enrolled; else a code by the channel the user chose last
    /// (email unless they chose text), among those the account can receive: a confirmed address, a verified number.
    /// </summary>
    public async Task<TwoFactorMethod> MethodForAsync(PortalUser user)
    {
        if (await users.GetTwoFactorEnabledAsync(user) && await HasAuthenticatorAsync(user)) return TwoFactorMethod.Authenticator;
        var codes = await CodeMethodsAsync(user);
        if (codes.Count == 0) return TwoFactorMethod.None;
        var chosen = await users.GetAuthenticationTokenAsync(user, OneTimeCodeProvider.Store, ChannelToken) == "text" ? TwoFactorMethod.Text : TwoFactorMethod.Email;
        return codes.Contains(chosen) ? chosen : codes[0];
    }

    /// <summary>The code channels the account can receive: email (confirmed address), text (verified number, texts available).</summary>
    public async Task<List<TwoFactorMethod>> CodeMethodsAsync(PortalUser user)
    {
        var methods = new List<TwoFactorMethod>();
        if (await emailCodes.CanGenerateTwoFactorTokenAsync(users, user)) methods.Add(TwoFactorMethod.Email);
        if (texts.Available && await textCodes.CanGenerateTwoFactorTokenAsync(users, user)) methods.Add(TwoFactorMethod.Text);
        return methods;
    }

    /// <summary>Remembers the code channel the user chose (the default at the next sign-in).</summary>
    public Task ChooseCodeMethodAsync(PortalUser user, TwoFactorMethod method) =>
        users.SetAuthenticationTokenAsync(user, OneTimeCodeProvider.Store, ChannelToken, method == TwoFactorMethod.Text ? "text" : "email");

    /// <summary>Forgets the number's sign-in codes: a pending text code and the choice of texts.</summary>
    public async Task ForgetTextCodesAsync(PortalUser user)
    {
        await users.RemoveAuthenticationTokenAsync(user, OneTimeCodeProvider.Store, TextCodeProvider.SignInToken);
        await users.RemoveAuthenticationTokenAsync(user, OneTimeCodeProvider.Store, TextCodeProvider.VerifyToken);
        await users.RemoveAuthenticationTokenAsync(user, OneTimeCodeProvider.Store, ChannelToken);
    }

    /// <summary>Sends a fresh sign-in code (replacing any earlier one) by email or by text to the verified number.</summary>
    public async Task<TextSend> SendCodeAsync(PortalUser user, TwoFactorMethod method, CancellationToken ct)
    {
        if (method == TwoFactorMethod.Email)
        {
            await SendEmailCodeAsync(user, ct);
            return new TextSend(true);
        }
        // Never to a number that was not verified: the provider checks PhoneNumberConfirmed.
        if (method != TwoFactorMethod.Text || !await textCodes.CanGenerateTwoFactorTokenAsync(users, user)) return new TextSend(false);
        var code = await users.GenerateTwoFactorTokenAsync(user, TextCodeProvider.Name);
        return await texts.SendAsync(user, user.PhoneNumber!,
            $"Your FhirPortal sign-in code is {code}. It works once, for {(int)options.Value.EmailCodeLifetime.TotalMinutes} minutes. Do not share it.", ct);
    }

    /// <summary>The provider that checks codes of <paramref name="method"/> (its LastCheck says why one failed).</summary>
    public OneTimeCodeProvider CodesFor(TwoFactorMethod method) => method == TwoFactorMethod.Text ? textCodes : emailCodes;

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
