using FhirPortal.Auth.Accounts.SignIn;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.Auth.Pages;

/// <summary>Signs the portal account out (a POST, so a link elsewhere cannot sign anyone out).</summary>
public sealed class LogoutModel(SignInManager<PortalUser> signIn, UserManager<PortalUser> users, AccountEvents events) : PageModel
{
    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = signIn.IsSignedIn(User) ? await users.GetUserAsync(User) : null;
        await signIn.SignOutAsync();
        if (user is not null) await events.SignedOutAsync(user);
        return Redirect("/auth/login");
    }
}
