using FhirPortal.Auth.Accounts.SignIn;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

using SignInOptions = FhirPortal.Auth.Accounts.SignIn.SignInOptions;

namespace FhirPortal.Auth.Pages;

/// <summary>
/// The second sign-in step: a code from the authenticator app, or the code mailed or texted to the account (the person
/// may switch between the two when both are available); a recovery code instead of the app. Wrong codes count towards
/// lockout like wrong passwords; a sent code is void after 5 wrong tries.
/// </summary>
public sealed class LoginTwoFactorModel(SignInManager<PortalUser> signIn, UserManager<PortalUser> users, SignInFlow flow,
    AccountEvents events, IOptions<SignInOptions> options, TimeProvider clock) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    [BindProperty] public string? Code { get; set; }
    [BindProperty] public string? RecoveryCode { get; set; }
    public TwoFactorMethod Method { get; private set; }
    /// <summary>The other code channel the person may switch to (Email or Text), or None.</summary>
    public TwoFactorMethod Alternative { get; private set; }
    /// <summary>The verified number's last digits, when codes are texted.</summary>
    public string? PhoneHint { get; private set; }
    public bool CanUseRecoveryCode { get; private set; }
    public string? Error { get; private set; }
    public string? Message { get; private set; }
    public bool ShowRecovery { get; private set; }
    public SignInOptions Options => options.Value;

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() is null ? StartAgain() : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await LoadAsync();
        if (user is null) return StartAgain();
        var wasLocked = await users.IsLockedOutAsync(user);
        var code = (Code ?? "").Replace(" ", "").Replace("-", "");
        var result = Method == TwoFactorMethod.Authenticator
            ? await signIn.TwoFactorAuthenticatorSignInAsync(code, isPersistent: false, rememberClient: false)
            : await signIn.TwoFactorSignInAsync(Method == TwoFactorMethod.Text ? TextCodeProvider.Name : EmailCodeProvider.Name, code,
                isPersistent: false, rememberClient: false);
        if (result.Succeeded)
        {
            await events.SignedInAsync(user, Method switch
            {
                TwoFactorMethod.Authenticator => "password + authenticator app",
                TwoFactorMethod.Text => "password + texted code",
                _ => "password + emailed code",
            });
            return LocalRedirect(LoginModel.AfterSignIn(Url, ReturnUrl));
        }
        if (await LockedAsync(user, result, wasLocked)) return Page();
        var (sent, latest) = Method == TwoFactorMethod.Text ? ("Texted", "text message") : ("Emailed", "email");
        var (reason, wording) = Method == TwoFactorMethod.Authenticator
            ? ("Wrong authenticator code.", "That code is not right. Enter the 6-digit code your authenticator app shows now.")
            : flow.CodesFor(Method).LastCheck switch
            {
                CodeCheck.Expired => ($"{sent} code expired.", "That code has expired. Send a new code and enter it."),
                CodeCheck.Voided => ($"{sent} code void after too many wrong entries.", "Too many wrong entries: that code no longer works. Send a new code."),
                CodeCheck.NoCode => ($"No {sent.ToLowerInvariant()} code pending.", "That code no longer works. Send a new code."),
                _ => ($"Wrong {sent.ToLowerInvariant()} code.", $"That code is not right. Check the latest {latest} from us and try again."),
            };
        await events.SignInFailedAsync(user.UserName, user, reason);
        return Failed(wording);
    }

    public async Task<IActionResult> OnPostRecoveryAsync()
    {
        var user = await LoadAsync();
        if (user is null) return StartAgain();
        var wasLocked = await users.IsLockedOutAsync(user);
        var failedBefore = user.AccessFailedCount;
        var result = await signIn.TwoFactorRecoveryCodeSignInAsync((RecoveryCode ?? "").Replace(" ", ""));
        if (result.Succeeded)
        {
            await events.ChangedAsync(user, "recovery-code-used", "Recovery code used",
                $"Signed in with a recovery code; {await users.CountRecoveryCodesAsync(user)} left.");
            await events.SignedInAsync(user, "password + recovery code");
            return LocalRedirect(LoginModel.AfterSignIn(Url, ReturnUrl));
        }
        // Identity does not count wrong recovery codes towards lockout; the portal does, like any wrong code.
        if (!result.IsLockedOut && user.AccessFailedCount == failedBefore && !await users.IsLockedOutAsync(user))
            await users.AccessFailedAsync(user);
        if (await LockedAsync(user, result, wasLocked)) return Page();
        await events.SignInFailedAsync(user.UserName, user, "Wrong or already used recovery code.");
        return Failed("That recovery code is not right, or it was used before. Each code works once.");
    }

    public Task<IActionResult> OnPostResendAsync() => SendAsync(switchChannel: false);

    /// <summary>"Text me instead" / "Email me instead": sends a code by the other channel, which becomes the default.</summary>
    public Task<IActionResult> OnPostSwitchAsync() => SendAsync(switchChannel: true);

    private async Task<IActionResult> SendAsync(bool switchChannel)
    {
        var user = await LoadAsync();
        if (user is null) return StartAgain();
        if (await flow.LockedUntilAsync(user) is { } until)
        {
            ShowRecovery = true;
            return Failed(flow.LockedMessage(until));
        }
        if (switchChannel && Alternative != TwoFactorMethod.None)
        {
            await flow.ChooseCodeMethodAsync(user, Alternative);
            await LoadAsync();
        }
        if (Method is not (TwoFactorMethod.Email or TwoFactorMethod.Text)) return Page();
        var sent = await flow.SendCodeAsync(user, Method, HttpContext.RequestAborted);
        if (sent.Sent)
        {
            Message = "We sent a new code. Only the newest code works.";
            return Page();
        }
        if (sent.RetryAt is { } retry)
        {
            Response.Headers.RetryAfter = ((int)Math.Ceiling(Math.Max(1, (retry - clock.GetUtcNow()).TotalSeconds))).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Failed($"Too many texts in the last hour: try again after {retry.ToUniversalTime():HH:mm} UTC" + (Alternative == TwoFactorMethod.Email ? ", or have the code emailed." : "."));
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }
        return Failed("We could not send the text just now. Try again" + (Alternative == TwoFactorMethod.Email ? ", or have the code emailed." : " later."));
    }

    private async Task<PortalUser?> LoadAsync()
    {
        var user = await signIn.GetTwoFactorAuthenticationUserAsync();
        if (user is null) return null;
        Method = await flow.MethodForAsync(user);
        Alternative = Method is TwoFactorMethod.Email or TwoFactorMethod.Text
            ? (await flow.CodeMethodsAsync(user)).FirstOrDefault(m => m != Method)
            : TwoFactorMethod.None;
        PhoneHint = Method == TwoFactorMethod.Text ? MobileNumbers.Hint(user.PhoneNumber!) : null;
        CanUseRecoveryCode = Method == TwoFactorMethod.Authenticator && await users.CountRecoveryCodesAsync(user) > 0;
        return Method == TwoFactorMethod.None ? null : user;
    }

    /// <summary>True (and the message set) when the account is now locked, recording the lockout when this attempt caused it.</summary>
    private async Task<bool> LockedAsync(PortalUser user, Microsoft.AspNetCore.Identity.SignInResult result, bool wasLocked)
    {
        var until = await flow.LockedUntilAsync(user);
        if (until is null && !result.IsLockedOut) return false;
        if (!wasLocked) await events.LockedOutAsync(user, until ?? DateTimeOffset.MaxValue);
        await events.SignInFailedAsync(user.UserName, user, wasLocked ? "Code entered while the account is locked." : "Wrong code; account locked.");
        ShowRecovery = true;
        Failed(flow.LockedMessage(until));
        return true;
    }

    private IActionResult Failed(string error)
    {
        Error = error;
        Response.StatusCode = 400;
        return Page();
    }

    // The half-signed-in state expired (or never existed): sign in with the password again.
    private IActionResult StartAgain() => Redirect("/auth/login" + QueryString.Create("ReturnUrl", LoginModel.AfterSignIn(Url, ReturnUrl)));
}
