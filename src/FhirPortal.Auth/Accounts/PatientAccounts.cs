using FhirPortal.Auth.Audit;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace FhirPortal.Auth.Accounts;

/// <summary>Creates a patient's account from a proven registration, and resets passwords (signing the account out everywhere).</summary>
public sealed class PatientAccounts(UserManager<PortalUser> users, ActivationCodes codes, AccountMail mail, AuditTrail audit,
    IOpenIddictTokenManager tokens, IOpenIddictAuthorizationManager authorizations)
{
    /// <summary>
    /// The new account (email unconfirmed, confirmation mailed), or the errors to show: the user name or password refused,
    /// the Patient already has an account, or the code was used or replaced since the first step.
    /// </summary>
    public async Task<(PortalUser? User, IReadOnlyList<string> Errors)> CreateAsync(HttpContext http, RegistrationTicket ticket, string userName, string password)
    {
        var ct = http.RequestAborted;
        var fhirUser = $"Patient/{ticket.PatientId}";
        if (await users.Users.AnyAsync(u => u.FhirUser == fhirUser, ct))
        {
            await audit.RecordAsync(AccountEvents.RegistrationFailed(ticket.Claim, "the patient already has an account"), ct);
            return (null, ["This patient already has an account. Use 'Forgot user name' or 'Forgot password' to get into it."]);
        }
        var user = new PortalUser { UserName = userName.Trim(), Email = ticket.Email, FhirUser = fhirUser };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded) return (null, created.Errors.Select(e => e.Description).ToList());
        // Note: the code is taken only now, after Identity accepted the account, and by one conditional DELETE: a second
        // registration racing with the same code (or a code replaced meanwhile) loses and its account is removed again.
        if (ticket.CodeHash is { } codeHash && !await codes.ConsumeAsync(ticket.PatientId, codeHash, ct))
        {
            await users.DeleteAsync(user);
            await audit.RecordAsync(AccountEvents.RegistrationFailed(ticket.Claim, "the activation code was used, replaced or expired before the account was made"), ct);
            return (null, ["The activation code is no longer valid. Ask your care team for a new one."]);
        }
        // Note: a member card is no single-use code; two registrations racing for one patient both see the other account and both back out.
        if (ticket.CodeHash is null && await users.Users.CountAsync(u => u.FhirUser == fhirUser, ct) > 1)
        {
            await users.DeleteAsync(user);
            await audit.RecordAsync(AccountEvents.RegistrationFailed(ticket.Claim, "another account was made for the patient at the same time"), ct);
            return (null, ["This patient already has an account. Use 'Forgot user name' or 'Forgot password' to get into it."]);
        }
        await audit.RecordAsync(AccountEvents.Registered(user, member: ticket.CodeHash is null), ct);
        await mail.SendConfirmationAsync(http, user, ticket.Name, ct);
        return (user, []);
    }

    /// <summary>Resets the password with a mailed token; on success every other session and app token of the account stops working.</summary>
    public async Task<IdentityResult> ResetPasswordAsync(PortalUser user, string token, string password, CancellationToken ct)
    {
        var result = await users.ResetPasswordAsync(user, token, password);
        await audit.RecordAsync(AccountEvents.PasswordReset(user, result.Succeeded), ct);
        if (!result.Succeeded) return result;
        // Note: a new security stamp invalidates the reset token (single use) and other sign-in cookies at their next
        // validation; refresh tokens and app authorizations are revoked now, since whoever knew the old password may hold them.
        await users.UpdateSecurityStampAsync(user);
        await tokens.RevokeBySubjectAsync(user.Id, ct);
        await authorizations.RevokeBySubjectAsync(user.Id, ct);
        return result;
    }
}
