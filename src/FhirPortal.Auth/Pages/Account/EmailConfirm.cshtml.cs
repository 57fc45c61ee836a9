using System.Text;
using FhirPortal.Auth.Accounts.SignIn;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Mail;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;

namespace FhirPortal.Auth.Pages.Account;

/// <summary>The link mailed to a new address: Identity checks the token (user, address, security stamp) and makes the change.</summary>
public sealed class EmailConfirmModel(UserManager<PortalUser> users, SignInManager<PortalUser> signIn, AccountEvents events, IPortalMail mail) : PageModel
{
    public bool Changed { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? userId, string? email, string? code)
    {
        var user = userId is null ? null : await users.FindByIdAsync(userId);
        if (user is null || string.IsNullOrEmpty(email) || string.IsNullOrEmpty(code)) return Invalid();
        string token;
        try { token = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code)); }
        catch (FormatException) { return Invalid(); }
        var oldEmail = user.Email;
        var result = await users.ChangeEmailAsync(user, email, token);
        if (!result.Succeeded) return Invalid();
        // Accounts whose user name is their address keep signing in with it.
        if (oldEmail is not null && string.Equals(user.UserName, oldEmail, StringComparison.OrdinalIgnoreCase))
            await users.SetUserNameAsync(user, email);
        // The change renews the security stamp; a session of this user in this browser is renewed with it. (This page
        // needs no sign-in, so the Identity cookie, not the default scheme, is read explicitly.)
        var session = await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (session.Principal is { } principal && users.GetUserId(principal) == user.Id) await signIn.RefreshSignInAsync(user);
        await events.ChangedAsync(user, "email-changed", "Email changed", $"Email changed from {oldEmail ?? "none"} to {email}.");
        if (oldEmail is not null && !string.Equals(oldEmail, email, StringComparison.OrdinalIgnoreCase))
            await mail.SendAsync(oldEmail, "Your FhirPortal email address was changed",
                $"The email address of your FhirPortal account is now {email}. If this was not you, contact the portal administrator.\n",
                HttpContext.RequestAborted);
        Changed = true;
        return Page();
    }

    private IActionResult Invalid()
    {
        Response.StatusCode = 400;
        return Page();
    }
}
