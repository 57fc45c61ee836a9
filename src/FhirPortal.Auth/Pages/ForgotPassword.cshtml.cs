using FhirPortal.Auth.Accounts;
using FhirPortal.Auth.Audit;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace FhirPortal.Auth.Pages;

/// <summary>
/// Asks for a password reset link by user name or email address. The answer is the same whether or not an account
/// matches, so the page cannot be used to find out who has an account. Reset links go only to confirmed addresses;
/// an unconfirmed account is sent its confirmation link again.
/// </summary>
public sealed class ForgotPasswordModel(UserManager<PortalUser> users, AccountMail mail, AuditTrail audit) : PageModel
{
    [Microsoft.AspNetCore.Mvc.BindProperty] public string? Identifier { get; set; }
    public bool Sent { get; private set; }

    public void OnGet() { }

    public async Task OnPostAsync()
    {
        var input = Identifier?.Trim() ?? "";
        Sent = true;
        if (input.Length == 0) return;
        var byName = await users.FindByNameAsync(input);
        var normalized = users.NormalizeEmail(input);
        var matches = byName is not null ? [byName] : await users.Users.Where(u => u.NormalizedEmail == normalized).ToListAsync(HttpContext.RequestAborted);
        var reachable = matches.Where(u => !string.IsNullOrEmpty(u.Email)).ToList();
        foreach (var user in reachable)
        {
            // Note: a reset link goes only to a confirmed address; an account that never confirmed its address gets the
            // confirmation link again instead (the lost-first-mail case), since it cannot sign in before that anyway.
            if (user.EmailConfirmed) await mail.SendPasswordResetAsync(HttpContext, user, HttpContext.RequestAborted);
            else await mail.SendConfirmationAsync(HttpContext, user, null, HttpContext.RequestAborted);
            await audit.RecordAsync(AccountEvents.PasswordResetRequested(user, input), HttpContext.RequestAborted);
        }
        if (reachable.Count == 0) await audit.RecordAsync(AccountEvents.PasswordResetRequested(null, input), HttpContext.RequestAborted);
    }
}
