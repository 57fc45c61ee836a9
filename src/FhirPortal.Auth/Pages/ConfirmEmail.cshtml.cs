using FhirPortal.Auth.Accounts;
using FhirPortal.Auth.Audit;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.Auth.Pages;

/// <summary>The link in the confirmation mail: confirms the account's email address, after which it may sign in.</summary>
public sealed class ConfirmEmailModel(UserManager<PortalUser> users, AuditTrail audit) : PageModel
{
    public bool Confirmed { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? userId, string? code)
    {
        var user = string.IsNullOrEmpty(userId) ? null : await users.FindByIdAsync(userId);
        if (user is not null && !string.IsNullOrEmpty(code))
        {
            Confirmed = (await users.ConfirmEmailAsync(user, code)).Succeeded;
            await audit.RecordAsync(AccountEvents.EmailConfirmed(user, Confirmed), HttpContext.RequestAborted);
        }
        if (!Confirmed) Response.StatusCode = 400;
        return Page();
    }
}
