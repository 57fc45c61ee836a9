using FhirPortal.Auth.Accounts.SignIn;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Mail;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.Auth.Pages.Account;

/// <summary>Change password: the current one, then the new one twice; the account's address is told it changed.</summary>
[Authorize(Policy = AuthEndpoints.UserPolicy)]
public sealed class PasswordModel(UserManager<PortalUser> users, SignInManager<PortalUser> signIn, AccountEvents events, IPortalMail mail) : PageModel
{
    [BindProperty] public string? CurrentPassword { get; set; }
    [BindProperty] public string? NewPassword { get; set; }
    [BindProperty] public string? ConfirmPassword { get; set; }
    public List<string> Errors { get; } = [];
    public string? Message { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await users.GetUserAsync(User) is not { } user) return Redirect("/auth/login");
        if (string.IsNullOrEmpty(NewPassword) || NewPassword != ConfirmPassword) Errors.Add("The new password and its confirmation do not match.");
        else
        {
            var result = await users.ChangePasswordAsync(user, CurrentPassword ?? "", NewPassword);
            Errors.AddRange(result.Errors.Select(e => e.Description));
        }
        if (Errors.Count > 0)
        {
            Response.StatusCode = 400;
            return Page();
        }
        // The security stamp changed: other sessions end at their next check; this one is renewed.
        await signIn.RefreshSignInAsync(user);
        await events.ChangedAsync(user, "password-changed", "Password changed");
        if (user.EmailConfirmed && user.Email is { } email)
            await mail.SendAsync(email, "Your FhirPortal password was changed",
                "The password of your FhirPortal account was just changed. If this was not you, reset your password and contact the portal administrator.\n",
                HttpContext.RequestAborted);
        Message = "Your password was changed.";
        return Page();
    }
}
