using FhirPortal.Auth.Accounts.SignIn;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

using SignInOptions = FhirPortal.Auth.Accounts.SignIn.SignInOptions;

namespace FhirPortal.Auth.Pages;

/// <summary>
/// The sign-in page: password first, then (when the account needs one) the second-factor page, then back to the
/// authorization request (or another local page) it came from. Unknown names and wrong passwords look the same.
/// </summary>
public sealed class LoginModel(SignInManager<PortalUser> signIn, UserManager<PortalUser> users, SignInFlow flow, AccountEvents events,
    IOptions<SignInOptions> options) : PageModel
{
    public const string WrongCredentials = "The user name or password is not right.";

    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    [BindProperty] public string? Username { get; set; }
    [BindProperty] public string? Password { get; set; }
    public string? Error { get; private set; }
    public bool ShowRecovery { get; private set; }
    public SignInOptions Options => options.Value;

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await flow.FindAsync(Username);
        if (user is null || string.IsNullOrEmpty(Password))
        {
            flow.CheckDecoy(Password);
            await events.SignInFailedAsync(Username, null, "Wrong user name or password.");
            return Failed(WrongCredentials);
        }
        var wasLocked = await users.IsLockedOutAsync(user);
        var result = await signIn.PasswordSignInAsync(user, Password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            await events.SignedInAsync(user, "password");
            return LocalRedirect(AfterSignIn(Url, ReturnUrl));
        }
        if (result.RequiresTwoFactor) return await SecondFactorAsync(user);
        if (result.IsLockedOut)
        {
            var until = await flow.LockedUntilAsync(user);
            if (!wasLocked) await events.LockedOutAsync(user, until ?? DateTimeOffset.MaxValue);
            await events.SignInFailedAsync(Username, user, wasLocked ? "Sign-in attempt while the account is locked." : "Wrong password; account locked.");
            ShowRecovery = true;
            return Failed(flow.LockedMessage(until));
        }
        // Note: Identity answers "not allowed" (e.g. email not confirmed) before checking the password; saying so
        // only for the right password keeps the page from telling strangers that the account exists.
        if (result.IsNotAllowed && await users.CheckPasswordAsync(user, Password))
        {
            await events.SignInFailedAsync(Username, user, "Sign-in not allowed yet (account not confirmed).");
            return Failed("This account cannot sign in yet: confirm your email address with the link we sent you, then try again.");
        }
        await events.SignInFailedAsync(Username, user, "Wrong user name or password.");
        return Failed(WrongCredentials);
    }

    private async Task<IActionResult> SecondFactorAsync(PortalUser user)
    {
        var method = await flow.MethodForAsync(user);
        if (method == TwoFactorMethod.None)
        {
            // Policy demands a second factor, but there is nowhere to send a code and no authenticator app.
            await HttpContext.SignOutAsync(IdentityConstants.TwoFactorUserIdScheme);
            await events.SignInFailedAsync(Username, user, "Two-factor sign-in required but no method is available (no confirmed email, no authenticator).");
            return Failed($"This account needs a second sign-in step, but it has no confirmed email address or authenticator app. Contact {options.Value.SupportContact}.");
        }
        if (method == TwoFactorMethod.Email) await flow.SendEmailCodeAsync(user, HttpContext.RequestAborted);
        return Redirect("/auth/login/two-factor" + QueryString.Create("ReturnUrl", AfterSignIn(Url, ReturnUrl)));
    }

    private IActionResult Failed(string error)
    {
        Error = error;
        Response.StatusCode = 400;
        return Page();
    }

    /// <summary>Where to go once signed in. Note: only local URLs, so the sign-in pages cannot be used as an open redirector.</summary>
    public static string AfterSignIn(IUrlHelper url, string? returnUrl) => url.IsLocalUrl(returnUrl) ? returnUrl! : "/auth/account";
}
