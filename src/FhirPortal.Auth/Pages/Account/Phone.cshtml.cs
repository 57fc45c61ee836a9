using FhirPortal.Auth.Accounts.SignIn;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.Auth.Pages.Account;

/// <summary>Set or remove the account's phone number (contact only: the portal sends no text messages, so it is never a sign-in factor).</summary>
[Authorize(Policy = AuthEndpoints.UserPolicy)]
public sealed class PhoneModel(UserManager<PortalUser> users, AccountEvents events) : PageModel
{
    [BindProperty] public string? PhoneNumber { get; set; }
    public string? Error { get; private set; }
    public string? Message { get; private set; }

    public async Task OnGetAsync() => PhoneNumber = (await users.GetUserAsync(User))?.PhoneNumber;

    public async Task<IActionResult> OnPostAsync()
    {
        if (await users.GetUserAsync(User) is not { } user) return Redirect("/auth/login");
        var phone = string.IsNullOrWhiteSpace(PhoneNumber) ? null : PhoneNumber.Trim();
        if (phone is not null && !System.Text.RegularExpressions.Regex.IsMatch(phone, @"^\+?[0-9 ()\-]{6,20}$"))
        {
            Error = "Enter a phone number of digits, spaces and an optional leading +.";
            Response.StatusCode = 400;
            return Page();
        }
        var result = await users.SetPhoneNumberAsync(user, phone);
        if (!result.Succeeded)
        {
            Error = string.Join(" ", result.Errors.Select(e => e.Description));
            Response.StatusCode = 400;
            return Page();
        }
        await events.ChangedAsync(user, "phone-changed", "Phone number changed", phone is null ? "Phone number removed." : "Phone number set.");
        Message = phone is null ? "Your phone number was removed." : "Your phone number was saved.";
        return Page();
    }
}
