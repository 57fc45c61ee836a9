using FhirPortal.Auth.Accounts.SignIn;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

using SignInOptions = FhirPortal.Auth.Accounts.SignIn.SignInOptions;

namespace FhirPortal.Auth.Pages.Account;

/// <summary>
/// The account's mobile number: a number is stored only once verified (a 6-digit code texted to it, entered here),
/// in Identity's PhoneNumber and PhoneNumberConfirmed, which notices and text sign-in codes go by. Removing it clears
/// both and ends text sign-in codes.
/// </summary>
[Authorize(Policy = AuthEndpoints.UserPolicy)]
public sealed class PhoneModel(UserManager<PortalUser> users, PortalSignInManager signIn, SignInFlow flow, TextCodeProvider codes,
    AccountTexts texts, AccountEvents events, IOptions<SignInOptions> options, TimeProvider clock) : PageModel
{
    /// <summary>The number as typed (the send step).</summary>
    [BindProperty] public string? PhoneNumber { get; set; }
    /// <summary>The E.164 number a code was texted to (the verify step); the code is bound to it.</summary>
    [BindProperty] public string? PendingNumber { get; set; }
    [BindProperty] public string? Code { get; set; }
    public string? CurrentNumber { get; private set; }
    public bool Verified { get; private set; }
    public bool TextsAvailable => texts.Available;
    public string? Error { get; private set; }
    public string? Message { get; private set; }
    public SignInOptions Options => options.Value;

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() is null ? Redirect("/auth/login") : Page();

    /// <summary>Texts a code to the typed number; nothing is stored on the account until the code comes back.</summary>
    public async Task<IActionResult> OnPostSendAsync()
    {
        if (await LoadAsync() is not { } user) return Redirect("/auth/login");
        if (!texts.Available) return Failed("This portal cannot send text messages, so a mobile number cannot be verified.");
        var number = MobileNumbers.ToE164(PhoneNumber, options.Value.PhoneRegion);
        if (number is null)
            return Failed("Enter a mobile number that can receive texts: with its country code (like +44 7400 123456), or a national number.");
        if (number == CurrentNumber && Verified) return Failed("That number is already verified.");
        var code = await users.GenerateChangePhoneNumberTokenAsync(user, number);
        var minutes = (int)options.Value.EmailCodeLifetime.TotalMinutes;
        var sent = await texts.SendAsync(user, number, $"Your FhirPortal code to verify this number is {code}. It works once, for {minutes} minutes.",
            HttpContext.RequestAborted);
        if (!sent.Sent)
        {
            if (sent.RetryAt is not { } retry) return Failed("We could not send the text just now. Try again later.");
            Response.Headers.RetryAfter = ((int)Math.Ceiling(Math.Max(1, (retry - clock.GetUtcNow()).TotalSeconds))).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Failed($"Too many texts in the last hour: try again after {retry.ToUniversalTime():HH:mm} UTC.");
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }
        await events.ChangedAsync(user, "phone-verification-sent", "Phone verification code sent", $"Verification code texted to a number {MobileNumbers.Hint(number)}.");
        PendingNumber = number;
        Message = $"We texted a 6-digit code to {number}. Enter it below; it works once, for {minutes} minutes.";
        return Page();
    }

    /// <summary>The texted code: when right, the number becomes the account's verified mobile number.</summary>
    public async Task<IActionResult> OnPostVerifyAsync()
    {
        if (await LoadAsync() is not { } user) return Redirect("/auth/login");
        if (string.IsNullOrEmpty(PendingNumber)) return Failed("Enter your mobile number first.");
        var result = await users.ChangePhoneNumberAsync(user, PendingNumber, (Code ?? "").Replace(" ", "").Replace("-", ""));
        if (!result.Succeeded)
        {
            var expired = codes.LastCheck is CodeCheck.Expired or CodeCheck.Voided or CodeCheck.NoCode;
            if (expired) PendingNumber = null;
            return Failed(codes.LastCheck switch
            {
                CodeCheck.Expired => "That code has expired. Send a new code.",
                CodeCheck.Voided => "Too many wrong entries: that code no longer works. Send a new code.",
                CodeCheck.NoCode => "That code no longer works. Send a new code.",
                _ => "That code is not right. Check the latest text from us and try again.",
            });
        }
        await signIn.RefreshSignInAsync(user); // the change renewed the security stamp
        await events.ChangedAsync(user, "phone-verified", "Phone number verified", $"Mobile number {MobileNumbers.Hint(PendingNumber)} verified.");
        PendingNumber = null;
        await LoadAsync();
        Message = "Your mobile number is verified.";
        return Page();
    }

    /// <summary>Removes the number (and with it text notices and sign-in codes).</summary>
    public async Task<IActionResult> OnPostRemoveAsync()
    {
        if (await LoadAsync() is not { } user) return Redirect("/auth/login");
        if (CurrentNumber is null) return Failed("There is no number to remove.");
        // The one second factor of an account that needs one is not removed: the person could no longer sign in.
        if (await signIn.IsTwoFactorEnabledAsync(user) && await flow.MethodForAsync(user) == TwoFactorMethod.Text
            && !(await flow.CodeMethodsAsync(user)).Contains(TwoFactorMethod.Email))
            return Failed("Your sign-in codes come to this number and you have no other way to receive them: confirm an email address or set up an authenticator app first.");
        // Identity clears PhoneNumberConfirmed with the number and renews the security stamp.
        var result = await users.SetPhoneNumberAsync(user, null);
        if (!result.Succeeded) return Failed(string.Join(" ", result.Errors.Select(e => e.Description)));
        await flow.ForgetTextCodesAsync(user);
        await signIn.RefreshSignInAsync(user);
        await events.ChangedAsync(user, "phone-removed", "Phone number removed", "Mobile number removed; no more texts or texted sign-in codes.");
        await LoadAsync();
        Message = "Your mobile number was removed.";
        return Page();
    }

    private async Task<PortalUser?> LoadAsync()
    {
        if (await users.GetUserAsync(User) is not { } user) return null;
        CurrentNumber = user.PhoneNumber;
        Verified = user.PhoneNumberConfirmed && user.PhoneNumber is not null;
        return user;
    }

    private IActionResult Failed(string error)
    {
        Error = error;
        Response.StatusCode = 400;
        return Page();
    }
}
