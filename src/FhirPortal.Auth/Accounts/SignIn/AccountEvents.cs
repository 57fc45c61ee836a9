using FhirPortal.Auth.Audit;
using FhirPortal.Auth.Data;
using Hl7.Fhir.Model;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>The sign-in and self-service events written to <see cref="AuditTrail"/>, with one wording for each.</summary>
public sealed class AccountEvents(AuditTrail trail)
{
    /// <summary>A completed sign-in; <paramref name="method"/> says how ("password", "password+email-code", ...).</summary>
    public System.Threading.Tasks.Task SignedInAsync(PortalUser user, string method) =>
        Record(AuditCodes.UserAuthentication, AuditCodes.Login, AuditEvent.AuditEventOutcome.N0, user.UserName, user.FhirUser, $"Signed in ({method}).");

    /// <summary>A failed step (wrong password, wrong or expired code, locked account); the user may be unknown.</summary>
    public System.Threading.Tasks.Task SignInFailedAsync(string? userName, PortalUser? user, string reason) =>
        Record(AuditCodes.UserAuthentication, AuditCodes.Login, AuditEvent.AuditEventOutcome.N4, user?.UserName ?? userName, user?.FhirUser, reason);

    public System.Threading.Tasks.Task LockedOutAsync(PortalUser user, DateTimeOffset until) =>
        Record(AuditCodes.SecurityAlert, AuditCodes.Account("lockout", "Account locked out"), AuditEvent.AuditEventOutcome.N4,
            user.UserName, user.FhirUser, $"Too many failed sign-in attempts; locked until {until:u}.");

    public System.Threading.Tasks.Task SignedOutAsync(PortalUser user) =>
        Record(AuditCodes.UserAuthentication, AuditCodes.Logout, AuditEvent.AuditEventOutcome.N0, user.UserName, user.FhirUser, "Signed out.");

    /// <summary>A change to the account's security settings, e.g. ("password-changed", "Password changed").</summary>
    public System.Threading.Tasks.Task ChangedAsync(PortalUser user, string code, string display, string? description = null, string? actor = null) =>
        Record(AuditCodes.SecurityAttributesChanged, AuditCodes.Account(code, display), AuditEvent.AuditEventOutcome.N0,
            actor ?? user.UserName, actor is null ? user.FhirUser : null, description ?? display + ".", actor is null ? null : user.FhirUser,
            AuditEvent.AuditEventAction.U);

    private System.Threading.Tasks.Task Record(Coding type, Coding subtype, AuditEvent.AuditEventOutcome outcome, string? userName, string? fhirUser,
        string description, string? subject = null, AuditEvent.AuditEventAction action = AuditEvent.AuditEventAction.E) =>
        trail.RecordAsync(new AuditRecord(type, subtype, action, outcome, userName, fhirUser, description, subject));
}
