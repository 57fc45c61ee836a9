using FhirPortal.Auth.Accounts.SignIn;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.Auth.Pages.Account;

/// <summary>The account overview: contact details, two-factor status, links to change them, and recent sign-ins.</summary>
[Authorize(Policy = AuthEndpoints.UserPolicy)]
public sealed class IndexModel(UserManager<PortalUser> users, PortalSignInManager signIn, SignInFlow flow, RecentSignIns recent) : PageModel
{
    public PortalUser Account { get; private set; } = null!;
    public TwoFactorMethod Method { get; private set; }
    public bool TwoFactorRequired { get; private set; }
    public bool TwoFactorOn { get; private set; }
    public List<SignInEntry> SignIns { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        if (await users.GetUserAsync(User) is not { } user) return Redirect("/auth/login");
        Account = user;
        TwoFactorRequired = signIn.IsRequired(user);
        TwoFactorOn = await signIn.IsTwoFactorEnabledAsync(user);
        Method = await flow.MethodForAsync(user);
        SignIns = await recent.ForAsync(HttpContext, user.UserName!, 20, HttpContext.RequestAborted);
        return Page();
    }
}
