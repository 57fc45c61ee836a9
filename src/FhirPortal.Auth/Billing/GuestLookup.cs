using FhirPortal.Auth.Audit;
using FhirPortal.Auth.Data;
using FhirPortal.Core.Billing;
using AuditEvent = Hl7.Fhir.Model.AuditEvent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Billing;

/// <summary>A guest lookup's answer: the Account found, or why not (one failure for every mismatch).</summary>
public abstract record GuestLookupResult
{
    public sealed record Found(string AccountId) : GuestLookupResult;
    public sealed record Failed : GuestLookupResult;
    public sealed record Locked(DateTimeOffset Until) : GuestLookupResult;
}

/// <summary>
/// A guest bill-pay lookup, throttled and audited like self-registration: failures are counted per guarantor ID or
/// statement number in the registration throttle store (keys prefixed <c>billing:</c>, so they never meet an MRN),
/// and after <see cref="GuestPayOptions.MaxFailures"/> that number is locked for <see cref="GuestPayOptions.Lockout"/>,
/// whether or not it exists. Every lookup, found, failed or locked, is an AuditEvent.
/// </summary>
public sealed class GuestLookup(AuthDbContext db, GuestBilling billing, AuditTrail audit, IOptions<GuestPayOptions> options, TimeProvider time)
{
    public async Task<GuestLookupResult> FindAsync(string number, string birthDate, CancellationToken ct)
    {
        number = number.Trim();
        var key = "billing:" + number;
        var now = time.GetUtcNow();
        var throttle = await db.RegistrationThrottles.SingleOrDefaultAsync(t => t.Mrn == key, ct);
        if (throttle?.LockedUntil is { } until && until > now.UtcDateTime)
        {
            await audit.RecordAsync(Event(number, AuditEvent.AuditEventOutcome.N4, "lookups with this number are locked after too many failures", null), ct);
            return new GuestLookupResult.Locked(new DateTimeOffset(until, TimeSpan.Zero));
        }

        if (await billing.FindAccountAsync(number, birthDate, ct) is { } accountId)
        {
            if (throttle is not null)
            {
                db.RegistrationThrottles.Remove(throttle);
                await db.SaveChangesAsync(ct);
            }
            await audit.RecordAsync(Event(number, AuditEvent.AuditEventOutcome.N0, "guest bill-pay session opened", $"Account/{accountId}"), ct);
            return new GuestLookupResult.Found(accountId);
        }

        if (throttle is null) db.RegistrationThrottles.Add(throttle = new RegistrationThrottle { Mrn = key });
        throttle.Failures++;
        throttle.LockedUntil = null;
        if (throttle.Failures >= options.Value.MaxFailures)
        {
            throttle.Failures = 0;
            throttle.LockedUntil = (now + options.Value.Lockout).UtcDateTime;
        }
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(Event(number, AuditEvent.AuditEventOutcome.N4, "number and date of birth do not match one account", null), ct);
        return new GuestLookupResult.Failed();
    }

    private static AuditRecord Event(string number, AuditEvent.AuditEventOutcome outcome, string what, string? account) => new(
        AuditCodes.UserAuthentication, AuditCodes.Account("guest-bill-pay-lookup", "Guest bill pay lookup"),
        AuditEvent.AuditEventAction.E, outcome, GuestBilling.ClientId, null, $"Number '{number}': {what}.", account);
}
