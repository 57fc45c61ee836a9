using System.ComponentModel.DataAnnotations;
using FhirPortal.Auth.Accounts;
using FhirPortal.Auth.Audit;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.Auth.Pages;

/// <summary>
/// Patient self-registration in two steps: prove the record (MRN, activation code, birth date; or a health-plan member
/// card: member ID, group number, name, birth date) and give name and email; then choose a user name and password.
/// The account's email must be confirmed before it can sign in.
/// </summary>
public sealed class RegisterModel(PatientRegistration registration, RegistrationTickets tickets, PatientAccounts accounts, AuditTrail audit,
    Microsoft.Extensions.Options.IOptions<AccountOptions> options) : PageModel
{
    public const string Mismatch = "These details do not match an activation code. Check the medical record number, the activation code and the date of birth.";
    public const string MemberMismatch = "These details do not match an active health-plan membership. Check the member ID (with the first five digits of your Social Security number in place of the X's), the group number, your name as on the card, the dependent number (if your card shows one) and the date of birth.";

    public enum Stage { Prove, ChooseAccount, Done }

    [BindProperty] public string? Mrn { get; set; }
    [BindProperty] public string? Code { get; set; }
    [BindProperty] public string? BirthDate { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? MemberId { get; set; }
    [BindProperty] public string? Group { get; set; }
    [BindProperty] public string? Dependent { get; set; }
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
        return await AnswerAsync(check, RegistrationTicket.MrnClaim(Mrn), "this medical record number", "ask your care team",
            "MRN, birth date and activation code do not match one patient's current code", Mismatch);
    }

    /// <summary>Step one with a health-plan member card instead of an MRN and activation code.</summary>
    public async Task<IActionResult> OnPostMemberAsync()
    {
        Mrn = Code = null;
        if (string.IsNullOrWhiteSpace(MemberId) || string.IsNullOrWhiteSpace(Group) || string.IsNullOrWhiteSpace(BirthDate) || string.IsNullOrWhiteSpace(Name))
            return Fail("Fill in every field.");
        if (string.IsNullOrWhiteSpace(Email) || !new EmailAddressAttribute().IsValid(Email.Trim()))
            return Fail("Enter a valid email address.");

        var card = new MemberCard(MemberId, Group, Name, BirthDate, Dependent);
        // Note: the member ID holds SSN digits: it is not echoed back into the page, and goes no further than the match.
        MemberId = null;
        var check = await registration.CheckMemberAsync(FhirBase.Of(HttpContext), card, HttpContext.RequestAborted);
        return await AnswerAsync(check, RegistrationTicket.MemberClaim(Group), "this group number and date of birth", "call your health plan",
            "member ID, group number, name and birth date do not match one active coverage", MemberMismatch);
    }

    /// <summary>The one answer of step one for both ways: the next step, a lockout, or the same mismatch for every failure; failures are audited.</summary>
    private async Task<IActionResult> AnswerAsync(RegistrationCheck check, string claim, string lockedWhat, string help, string reason, string mismatch)
    {
        switch (check)
        {
            case RegistrationCheck.Proven proven:
                Ticket = tickets.Protect(new RegistrationTicket(proven.PatientId, proven.CodeHash, claim, Name!.Trim(), Email!.Trim()));
                Step = Stage.ChooseAccount;
                return Page();
            case RegistrationCheck.Locked locked:
                await audit.RecordAsync(AccountEvents.RegistrationFailed(claim, "registration is locked after too many failures"), HttpContext.RequestAborted);
                return Fail($"Registration with {lockedWhat} is paused after too many attempts. Try again after {locked.Until:yyyy-MM-dd HH:mm} UTC, or {help}.");
            default:
                await audit.RecordAsync(AccountEvents.RegistrationFailed(claim, reason), HttpContext.RequestAborted);
                return Fail(mismatch);
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
