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
/// Manage two-step sign-in: set up an authenticator app, turn emailed or texted codes on (and pick one of the two), new recovery codes (shown once), and
/// turn two-step sign-in off or remove the app (patients, for whom it is required, fall back to emailed codes).
/// </summary>
[Authorize(Policy = AuthEndpoints.UserPolicy)]
public sealed class TwoFactorModel(UserManager<PortalUser> users, PortalSignInManager signIn, SignInFlow flow, AccountEvents events,
    IOptions<SignInOptions> options) : PageModel
{
    public TwoFactorMethod Method { get; private set; }
    public bool Required { get; private set; }
    public bool On { get; private set; }
    public bool EmailConfirmed { get; private set; }
    /// <summary>Whether codes can be texted (a verified mobile number, and the portal sends texts).</summary>
    public bool CanText { get; private set; }
    public int RecoveryCodesLeft { get; private set; }
    /// <summary>Freshly made recovery codes: on this response only, never again.</summary>
    public List<string>? NewRecoveryCodes { get; private set; }
    public string? Message { get; private set; }

    public string StatusText => (Method switch
    {
        TwoFactorMethod.Authenticator => $"On: you sign in with a code from your authenticator app ({RecoveryCodesLeft} recovery codes left).",
        TwoFactorMethod.Email => "On: we email you a code each time you sign in.",
        TwoFactorMethod.Text => "On: we text a code to your mobile number each time you sign in.",
        _ => On ? "Required, but you have no confirmed email address or authenticator app yet." : "Off: your password alone signs you in.",
    }) + (Required ? " Two-step sign-in is required for patient accounts." : "");
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() is null ? Redirect("/auth/login") : Page();

    public async Task<IActionResult> OnPostRecoveryCodesAsync()
    {
        if (await LoadAsync() is not { } user) return Redirect("/auth/login");
        if (Method != TwoFactorMethod.Authenticator) return Fail("Recovery codes stand in for an authenticator app: set one up first.");
        NewRecoveryCodes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, options.Value.RecoveryCodeCount))!.ToList();
        await events.ChangedAsync(user, "recovery-codes-regenerated", "Recovery codes regenerated", "New recovery codes made; the old ones no longer work.");
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostEnableEmailAsync()
    {
        if (await LoadAsync() is not { } user) return Redirect("/auth/login");
        if (!EmailConfirmed) return Fail("Emailed codes need a confirmed email address.");
        await users.SetTwoFactorEnabledAsync(user, true);
        await flow.ChooseCodeMethodAsync(user, TwoFactorMethod.Email);
        await signIn.RefreshSignInAsync(user);
        await events.ChangedAsync(user, "two-factor-enabled", "Two-factor sign-in enabled", "Two-factor sign-in enabled (emailed codes).");
        await LoadAsync();
        Message = "Two-step sign-in is on: we will email you a code each time you sign in.";
        return Page();
    }

    /// <summary>Turns two-step sign-in on with codes texted to the verified mobile number (or makes texts the default over email).</summary>
    public async Task<IActionResult> OnPostEnableTextAsync()
    {
        if (await LoadAsync() is not { } user) return Redirect("/auth/login");
        if (!CanText) return Fail("Texted codes need a verified mobile number: add one on the mobile number page.");
        await users.SetTwoFactorEnabledAsync(user, true);
        await flow.ChooseCodeMethodAsync(user, TwoFactorMethod.Text);
        await signIn.RefreshSignInAsync(user);
        await events.ChangedAsync(user, "two-factor-enabled", "Two-factor sign-in enabled", "Two-factor sign-in enabled (texted codes).");
        await LoadAsync();
        Message = "Two-step sign-in is on: we will text you a code each time you sign in.";
        return Page();
    }

    /// <summary>Removes the authenticator app (its key and recovery codes) and turns the user's own two-step setting off.</summary>
    public async Task<IActionResult> OnPostDisableAsync()
    {
        if (await LoadAsync() is not { } user) return Redirect("/auth/login");
        if (Required && !EmailConfirmed && !CanText) return Fail("Two-step sign-in is required for your account and you have no confirmed email address to receive codes, so the app cannot be removed.");
        var hadAuthenticator = Method == TwoFactorMethod.Authenticator;
        await users.SetTwoFactorEnabledAsync(user, false);
        await flow.SetAuthenticatorEnrolledAsync(user, false);
        // A new key: the app's old entry stops working, and recovery codes made for it are discarded.
        await users.ResetAuthenticatorKeyAsync(user);
        await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 0);
        await signIn.RefreshSignInAsync(user);
        if (Required)
            await events.ChangedAsync(user, "authenticator-reset", "Authenticator removed", "Authenticator app removed; two-factor sign-in continues with emailed codes (required).");
        else
            await events.ChangedAsync(user, "two-factor-disabled", "Two-factor sign-in disabled",
                hadAuthenticator ? "Two-factor sign-in disabled; authenticator app removed." : "Two-factor sign-in disabled.");
        await LoadAsync();
        Message = Required ? "The authenticator app was removed. We will email you a code each time you sign in." : "Two-step sign-in is off.";
        return Page();
    }

    private async Task<PortalUser?> LoadAsync()
    {
        if (await users.GetUserAsync(User) is not { } user) return null;
        Required = signIn.IsRequired(user);
        On = await signIn.IsTwoFactorEnabledAsync(user);
        Method = On ? await flow.MethodForAsync(user) : TwoFactorMethod.None;
        EmailConfirmed = user.EmailConfirmed && !string.IsNullOrEmpty(user.Email);
        CanText = (await flow.CodeMethodsAsync(user)).Contains(TwoFactorMethod.Text);
        RecoveryCodesLeft = Method == TwoFactorMethod.Authenticator ? await users.CountRecoveryCodesAsync(user) : 0;
        return user;
    }

    private IActionResult Fail(string error)
    {
        Error = error;
        Response.StatusCode = 400;
        return Page();
    }
}
