using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.Auth.Pages;

/// <summary>The sign-in page; it returns to the authorization request (or another local page) it came from.</summary>
public sealed class LoginModel(SignInManager<PortalUser> signIn) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    [BindProperty] public string? Username { get; set; }
    [BindProperty] public string? Password { get; set; }
    public string? Error { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        var result = string.IsNullOrEmpty(Username) || string.IsNullOrEmpty(Password)
            ? Microsoft.AspNetCore.Identity.SignInResult.Failed
            : await signIn.PasswordSignInAsync(Username, Password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
            // Note: only local URLs, so the sign-in page cannot be used as an open redirector.
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/auth/apps");
        Error = result.IsLockedOut ? "This account is locked for a while after too many attempts."
            : result.IsNotAllowed ? "This account cannot sign in yet: confirm its email address with the link we sent."
            : "The user name or password is not right.";
        Response.StatusCode = 400;
        return Page();
    }
}
