using FhirPortal.Auth.Accounts;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Pages;

/// <summary>Sets a new password from a mailed reset link (single use, short lived); other sessions and app tokens of the account end.</summary>
public sealed class ResetPasswordModel(UserManager<PortalUser> users, PatientAccounts accounts, IOptions<AccountOptions> options) : PageModel
{
    public const string InvalidLink = "This reset link is invalid, already used or expired. Ask for a new one.";

    [BindProperty(SupportsGet = true)] public string? UserId { get; set; }
    [BindProperty(SupportsGet = true)] public string? Code { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty] public string? ConfirmPassword { get; set; }

    public List<string> Errors { get; } = [];
    public bool Done { get; private set; }
    public string PasswordHint => options.Value.Password.Describe();

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        if (string.IsNullOrEmpty(Password) || Password != ConfirmPassword) return Fail("Enter the same new password twice.");
        var user = string.IsNullOrEmpty(UserId) ? null : await users.FindByIdAsync(UserId);
        if (user is null || string.IsNullOrEmpty(Code)) return Fail(InvalidLink);
        var result = await accounts.ResetPasswordAsync(user, Code, Password, HttpContext.RequestAborted);
        if (result.Succeeded)
        {
            Done = true;
            return Page();
        }
        // Identity reports a bad, used or expired token as InvalidToken; anything else is about the new password.
        foreach (var error in result.Errors) Errors.Add(error.Code == nameof(IdentityErrorDescriber.InvalidToken) ? InvalidLink : error.Description);
        Response.StatusCode = 400;
        return Page();
    }

    private PageResult Fail(string error)
    {
        Errors.Add(error);
        Response.StatusCode = 400;
        return Page();
    }
}
