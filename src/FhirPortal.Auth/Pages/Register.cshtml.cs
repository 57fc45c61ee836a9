using System.ComponentModel.DataAnnotations;
using FhirPortal.Auth.Accounts;
using FhirPortal.Auth.Audit;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.Auth.Pages;

/// <summary>
/// Patient self-registration in two steps: prove the record (MRN, activation code, birth date) and give name and email;
/// then choose a user name and password. The account's email must be confirmed before it can sign in.
/// </summary>
public sealed class RegisterModel(PatientRegistration registration, RegistrationTickets tickets, PatientAccounts accounts, AuditTrail audit,
    Microsoft.Extensions.Options.IOptions<AccountOptions> options) : PageModel
{
    public const string Mismatch = "These details do not match an activation code. Check the medical record number, the activation code and the date of birth.";

    public enum Stage { Prove, ChooseAccount, Done }

    [BindProperty] public string? Mrn { get; set; }
    [BindProperty] public string? Code { get; set; }
    [BindProperty] public string? BirthDate { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Ticket { get; set; }
    [BindProperty] public string? UserName { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty] public string? ConfirmPassword { get; set; }

    public Stage Step { get; private set; } = Stage.Prove;
    public List<string> Errors { get; } = [];
    public string PasswordHint => options.Value.Password.Describe();

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        if (string.IsNullOrWhiteSpace(Mrn) || string.IsNullOrWhiteSpace(Code) || string.IsNullOrWhiteSpace(BirthDate) || string.IsNullOrWhiteSpace(Name))
            return Fail("Fill in every field.");
        if (string.IsNullOrWhiteSpace(Email) || !new EmailAddressAttribute().IsValid(Email.Trim()))
            return Fail("Enter a valid email address.");

        var check = await registration.CheckAsync(FhirBase.Of(HttpContext), Mrn, Code, BirthDate, HttpContext.RequestAborted);
        switch (check)
        {
            case RegistrationCheck.Proven proven:
                Ticket = tickets.Protect(new RegistrationTicket(proven.PatientId, proven.CodeHash, Mrn.Trim(), Name.Trim(), Email.Trim()));
                Step = Stage.ChooseAccount;
                return Page();
            case RegistrationCheck.Locked locked:
                await audit.RecordAsync(AccountEvents.RegistrationFailed(Mrn.Trim(), "registration for this MRN is locked after too many failures"), HttpContext.RequestAborted);
                return Fail($"Registration with this medical record number is paused after too many attempts. Try again after {locked.Until:yyyy-MM-dd HH:mm} UTC, or ask your care team.");
            default:
                await audit.RecordAsync(AccountEvents.RegistrationFailed(Mrn.Trim(), "MRN, birth date and activation code do not match one patient's current code"), HttpContext.RequestAborted);
                return Fail(Mismatch);
        }
    }

    public async Task<IActionResult> OnPostAccountAsync()
    {
        if (tickets.Unprotect(Ticket) is not { } ticket)
        {
            Ticket = null;
            return Fail("This registration took too long or was changed. Please start again.");
        }
        Step = Stage.ChooseAccount;
        if (string.IsNullOrWhiteSpace(UserName) || string.IsNullOrEmpty(Password)) return Fail("Choose a user name and a password.");
        if (Password != ConfirmPassword) return Fail("The two passwords are not the same.");

        var (user, errors) = await accounts.CreateAsync(HttpContext, ticket, UserName, Password);
        if (user is null)
        {
            Errors.AddRange(errors);
            Response.StatusCode = 400;
            return Page();
        }
        Email = user.Email;
        Step = Stage.Done;
        return Page();
    }

    private PageResult Fail(string error)
    {
        Errors.Add(error);
        Response.StatusCode = 400;
        return Page();
    }
}
