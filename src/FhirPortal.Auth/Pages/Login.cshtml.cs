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
/// authorization request (or another local page) it came from. Unknown names, wrong passwords and locked accounts look
/// the same and cost the same hash; failures are slowed by <see cref="SignInThrottle"/>.
/// </summary>
public sealed class LoginModel(SignInManager<PortalUser> signIn, UserManager<PortalUser> users, SignInFlow flow, AccountEvents events,
    IOptions<SignInOptions> options, SignInThrottle throttle, TimeProvider clock) : PageModel
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
        // Note: every path below runs exactly one password hash, and unknown names, wrong passwords and locked accounts
        // (without their password) get the same answers, so neither the page nor its timing tells an account exists.
        var address = HttpContext.Connection.RemoteIpAddress?.ToString();
        if (throttle.BlockedUntil(Username, address) is { } waitUntil)
        {
            flow.CheckDecoy(Password);
            await events.SignInFailedAsync(Username, null, "Sign-in attempt while throttled.");
            return Throttled(waitUntil);
        }
        var user = await flow.FindAsync(Username);
        if (user is null || string.IsNullOrEmpty(Password))
        {
            flow.CheckDecoy(Password);
            await events.SignInFailedAsync(Username, null, "Wrong user name or password.");
            return WrongCredentialsFor(address);
        }
        if (await users.IsLockedOutAsync(user))
        {
            // Identity would answer "locked" without checking the password; only the password's holder learns of it.
            if (!await users.CheckPasswordAsync(user, Password))
            {
                await events.SignInFailedAsync(Username, user, "Sign-in attempt while the account is locked.");
                return WrongCredentialsFor(address);
            }
            await events.SignInFailedAsync(Username, user, "Right password while the account is locked.");
            ShowRecovery = true;
            return Failed(flow.LockedMessage(await flow.LockedUntilAsync(user)));
        }
        var result = await signIn.PasswordSignInAsync(user, Password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            throttle.Succeeded(Username, address);
            await events.SignedInAsync(user, "password");
            return LocalRedirect(AfterSignIn(Url, ReturnUrl));
        }
        if (result.RequiresTwoFactor)
        {
            throttle.Succeeded(Username, address);
            return await SecondFactorAsync(user);
        }
        if (result.IsLockedOut)
        {
            // This wrong password reached the lockout count: recorded, but answered like any wrong password.
            await events.LockedOutAsync(user, await flow.LockedUntilAsync(user) ?? DateTimeOffset.MaxValue);
            await events.SignInFailedAsync(Username, user, "Wrong password; account locked.");
            return WrongCredentialsFor(address);
        }
        // Note: Identity answers "not allowed" (e.g. email not confirmed) before checking the password; saying so
        // only for the right password keeps the page from telling strangers that the account exists.
        if (result.IsNotAllowed && await users.CheckPasswordAsync(user, Password))
        {
            await events.SignInFailedAsync(Username, user, "Sign-in not allowed yet (account not confirmed).");
            return Failed("This account cannot sign in yet: confirm your email address with the link we sent you, then try again.");
        }
        await events.SignInFailedAsync(Username, user, "Wrong user name or password.");
        return WrongCredentialsFor(address);
    }

    /// <summary>A failed attempt: counted by the throttle, answered "not right", and said when the next one may come.</summary>
    private IActionResult WrongCredentialsFor(string? address) =>
        throttle.Failed(Username, address) is { } waitUntil ? Throttled(waitUntil, WrongCredentials + " ") : Failed(WrongCredentials);

    private IActionResult Throttled(DateTimeOffset until, string prefix = "")
    {
        var seconds = Math.Max(1, (int)Math.Ceiling((until - clock.GetUtcNow()).TotalSeconds));
        Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        ShowRecovery = true;
        Failed($"{prefix}Too many failed attempts: wait {seconds} seconds before trying again.");
        Response.StatusCode = StatusCodes.Status429TooManyRequests;
        return Page();
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
        if (method is TwoFactorMethod.Email or TwoFactorMethod.Text && !(await flow.SendCodeAsync(user, method, HttpContext.RequestAborted)).Sent
            && method == TwoFactorMethod.Text && (await flow.CodeMethodsAsync(user)).Contains(TwoFactorMethod.Email))
        {
            // The text could not go (hourly limit, Twilio down): the code is mailed instead, and email is the default again.
            await flow.ChooseCodeMethodAsync(user, TwoFactorMethod.Email);
            await flow.SendCodeAsync(user, TwoFactorMethod.Email, HttpContext.RequestAborted);
        }
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
