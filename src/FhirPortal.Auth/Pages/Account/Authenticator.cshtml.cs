using FhirPortal.Auth.Accounts.SignIn;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

using SignInOptions = FhirPortal.Auth.Accounts.SignIn.SignInOptions;

namespace FhirPortal.Auth.Pages.Account;

/// <summary>
/// Authenticator app setup: Identity keeps a key for the user; the page shows it as a QR code and as text, and turns
/// two-step sign-in on once the app's first code checks out (Identity's AuthenticatorTokenProvider), then shows recovery codes.
/// </summary>
[Authorize(Policy = AuthEndpoints.UserPolicy)]
public sealed class AuthenticatorModel(UserManager<PortalUser> users, SignInManager<PortalUser> signIn, SignInFlow flow, AccountEvents events,
    IOptions<SignInOptions> options) : PageModel
{
    [BindProperty] public string? Code { get; set; }
    public AuthenticatorSetup? Setup { get; private set; }
    public List<string>? RecoveryCodes { get; private set; }
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (await users.GetUserAsync(User) is not { } user) return Redirect("/auth/login");
        if (await flow.HasAuthenticatorAsync(user)) return Redirect("/auth/account/two-factor");
        Setup = await SetupAsync(user);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await users.GetUserAsync(User) is not { } user) return Redirect("/auth/login");
        if (await flow.HasAuthenticatorAsync(user)) return Redirect("/auth/account/two-factor");
        var code = (Code ?? "").Replace(" ", "").Replace("-", "");
        if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code))
        {
            Setup = await SetupAsync(user);
            Error = "That code is not right. Enter the 6-digit code the app shows now (check the phone's clock if it keeps failing).";
            Response.StatusCode = 400;
            return Page();
        }
        await users.SetTwoFactorEnabledAsync(user, true);
        await flow.SetAuthenticatorEnrolledAsync(user, true);
        RecoveryCodes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, options.Value.RecoveryCodeCount))!.ToList();
        await signIn.RefreshSignInAsync(user);
        await events.ChangedAsync(user, "two-factor-enabled", "Two-factor sign-in enabled", "Two-factor sign-in enabled (authenticator app).");
        return Page();
    }

    private async Task<AuthenticatorSetup> SetupAsync(PortalUser user)
    {
        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            await users.ResetAuthenticatorKeyAsync(user);
            await signIn.RefreshSignInAsync(user); // a new key renews the security stamp
            key = await users.GetAuthenticatorKeyAsync(user);
        }
        return AuthenticatorSetup.For(options.Value.AuthenticatorIssuer, user.Email ?? user.UserName!, key!);
    }
}
