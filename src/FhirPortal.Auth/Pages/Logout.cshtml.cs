using FhirPortal.Auth.Accounts.SignIn;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.Auth.Pages;

/// <summary>Signs the portal account out (a POST, so a link elsewhere cannot sign anyone out).</summary>
// Note: the Identity cookie is not the default scheme; the policy authenticates it, so the antiforgery token (bound
// to the signed-in user on the page that rendered it) validates and the sign-out can be audited.
[Authorize(Policy = AuthEndpoints.UserPolicy)]
public sealed class LogoutModel(SignInManager<PortalUser> signIn, UserManager<PortalUser> users, AccountEvents events) : PageModel
{
    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await users.GetUserAsync(User);
        await signIn.SignOutAsync();
        if (user is not null) await events.SignedOutAsync(user);
        return Redirect("/auth/login");
    }
}
