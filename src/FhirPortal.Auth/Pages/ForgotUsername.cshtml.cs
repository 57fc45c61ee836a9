using FhirPortal.Auth.Accounts;
using FhirPortal.Auth.Audit;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace FhirPortal.Auth.Pages;

/// <summary>Mails the user names of the accounts with a (confirmed) email address; the page answers the same whether or not any exist.</summary>
public sealed class ForgotUsernameModel(UserManager<PortalUser> users, AccountMail mail, AuditTrail audit) : PageModel
{
    [Microsoft.AspNetCore.Mvc.BindProperty] public string? Email { get; set; }
    public bool Sent { get; private set; }

    public void OnGet() { }

    public async Task OnPostAsync()
    {
        var email = Email?.Trim() ?? "";
        Sent = true;
        if (email.Length == 0) return;
        var normalized = users.NormalizeEmail(email);
        var names = await users.Users.Where(u => u.NormalizedEmail == normalized && u.EmailConfirmed)
            .Select(u => u.UserName!).OrderBy(n => n).ToListAsync(HttpContext.RequestAborted);
        if (names.Count > 0) await mail.SendUserNamesAsync(email, names, HttpContext.RequestAborted);
        await audit.RecordAsync(AccountEvents.UserNameReminder(email, names.Count), HttpContext.RequestAborted);
    }
}
