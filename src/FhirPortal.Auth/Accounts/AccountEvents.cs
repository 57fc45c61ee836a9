using FhirPortal.Auth.Audit;
using FhirPortal.Auth.Data;
using Hl7.Fhir.Model;

namespace FhirPortal.Auth.Accounts;

/// <summary>The audit records of the account flows (registration, activation codes, email confirmation, resets, reminders).</summary>
public static class AccountEvents
{
    public static AuditRecord ActivationCodeIssued(string patientId, string issuedBy, string? fhirUser) => new(
        AuditCodes.SecurityAttributesChanged, AuditCodes.Account("activation-code-issued", "Activation code issued"),
        AuditEvent.AuditEventAction.C, AuditEvent.AuditEventOutcome.N0, issuedBy, fhirUser,
        "A new activation code was issued; any earlier one stops working.", $"Patient/{patientId}");

    /// <param name="claim">What the person registered with, as it may be recorded (<see cref="RegistrationTicket.MrnClaim"/>, <see cref="RegistrationTicket.MemberClaim"/>).</param>
    public static AuditRecord RegistrationFailed(string claim, string reason) => new(
        AuditCodes.SecurityAlert, AuditCodes.Account("registration-failed", "Registration failed"),
        AuditEvent.AuditEventAction.E, AuditEvent.AuditEventOutcome.N4, null, null, $"{claim}: {reason}");

    public static AuditRecord Registered(PortalUser user, bool member = false) => new(
        AuditCodes.SecurityAttributesChanged, AuditCodes.Account("registration", "Patient registered an account"),
        AuditEvent.AuditEventAction.C, AuditEvent.AuditEventOutcome.N0, user.UserName, user.FhirUser,
        member ? "Account created with a health-plan member card; email not yet confirmed." : "Account created with an activation code; email not yet confirmed.",
        user.FhirUser);

    public static AuditRecord EmailConfirmed(PortalUser user, bool succeeded) => new(
        AuditCodes.SecurityAttributesChanged, AuditCodes.Account("email-confirmed", "Email address confirmed"),
        AuditEvent.AuditEventAction.U, succeeded ? AuditEvent.AuditEventOutcome.N0 : AuditEvent.AuditEventOutcome.N4, user.UserName, user.FhirUser,
        succeeded ? null : "The confirmation link was invalid or expired.");

    public static AuditRecord PasswordResetRequested(PortalUser? user, string input) => new(
        AuditCodes.SecurityAttributesChanged, AuditCodes.Account("password-reset-requested", "Password reset requested"),
        AuditEvent.AuditEventAction.E, user is null ? AuditEvent.AuditEventOutcome.N4 : AuditEvent.AuditEventOutcome.N0,
        user?.UserName ?? input, user?.FhirUser,
        user is null ? "No account with an email address matches; nothing was sent."
        : user.EmailConfirmed ? "Reset link mailed." : "Address not confirmed yet: the confirmation link was mailed again.");

    public static AuditRecord PasswordReset(PortalUser user, bool succeeded) => new(
        AuditCodes.SecurityAttributesChanged, AuditCodes.Account("password-reset", "Password reset"),
        AuditEvent.AuditEventAction.U, succeeded ? AuditEvent.AuditEventOutcome.N0 : AuditEvent.AuditEventOutcome.N4, user.UserName, user.FhirUser,
        succeeded ? "Password changed; other sessions signed out and app tokens revoked." : "The reset link was invalid, used or expired.");

    public static AuditRecord UserNameReminder(string email, int accounts) => new(
        AuditCodes.UserAuthentication, AuditCodes.Account("username-reminder", "User name reminder"),
        AuditEvent.AuditEventAction.E, accounts > 0 ? AuditEvent.AuditEventOutcome.N0 : AuditEvent.AuditEventOutcome.N4, email, null,
        accounts > 0 ? $"Mailed {accounts} user name(s)." : "No account with a confirmed address matches; nothing was sent.");
}
