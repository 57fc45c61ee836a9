using System.ComponentModel.DataAnnotations;
using System.Text;
using FhirPortal.Auth.Accounts.SignIn;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Mail;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;

namespace FhirPortal.Auth.Pages.Account;

/// <summary>
/// Change email: a link (Identity's change-email token) goes to the new address, and the address changes only when
/// it is opened; the old address is told afterwards.
/// </summary>
[Authorize(Policy = AuthEndpoints.UserPolicy)]
public sealed class EmailModel(UserManager<PortalUser> users, AccountEvents events, IPortalMail mail) : PageModel
{
    [BindProperty] public string? NewEmail { get; set; }
    public string? CurrentEmail { get; private set; }
    public string? Error { get; private set; }
    public string? Message { get; private set; }

    public async Task OnGetAsync() => CurrentEmail = (await users.GetUserAsync(User))?.Email;

    public async Task<IActionResult> OnPostAsync()
    {
        if (await users.GetUserAsync(User) is not { } user) return Redirect("/auth/login");
        CurrentEmail = user.Email;
        var email = NewEmail?.Trim();
        if (string.IsNullOrEmpty(email) || !new EmailAddressAttribute().IsValid(email) || !email.Contains('.'))
        {
            Error = "Enter a valid email address.";
            Response.StatusCode = 400;
            return Page();
        }
        if (string.Equals(email, user.Email, StringComparison.OrdinalIgnoreCase) && user.EmailConfirmed)
        {
            Error = "That is already your email address.";
            Response.StatusCode = 400;
            return Page();
        }
        var token = await users.GenerateChangeEmailTokenAsync(user, email);
        var link = $"{Request.Scheme}://{Request.Host}{Request.PathBase}/auth/account/email/confirm" + QueryString.Create(new Dictionary<string, string?>
        {
            ["userId"] = user.Id, ["email"] = email, ["code"] = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(token)),
        });
        await mail.SendAsync(email, "Confirm your new FhirPortal email address",
            $"Open this link to make {email} the email address of your FhirPortal account:\n\n{link}\n\nIf you did not ask for this, ignore this message.\n",
            HttpContext.RequestAborted);
        await events.ChangedAsync(user, "email-change-requested", "Email change requested", $"Confirmation sent to the new address {email}.");
        Message = $"We sent a confirmation link to {email}. Your address changes when you open it.";
        return Page();
    }
}
