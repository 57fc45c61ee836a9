using FhirPortal.Auth.Audit;
using FhirPortal.Auth.Accounts;
using FhirPortal.Core.Billing;
using AuditEvent = Hl7.Fhir.Model.AuditEvent;
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
public sealed class GuestLookup(AttemptThrottle throttle, GuestBilling billing, AuditTrail audit, IOptions<GuestPayOptions> options)
{
    /// <summary>Longest guarantor ID or statement number looked up; longer input is a mismatch, never stored.</summary>
    public const int MaxNumberLength = 64;

    public async Task<GuestLookupResult> FindAsync(string number, string birthDate, CancellationToken ct)
    {
        number = number.Trim();
        if (number.Length is 0 or > MaxNumberLength || number.Any(char.IsControl))
        {
            await audit.RecordAsync(Event(Shorten(number), AuditEvent.AuditEventOutcome.N4, "not a guarantor ID or statement number", null), ct);
            return new GuestLookupResult.Failed();
        }
        var key = "billing:" + number;
        if (await throttle.CountAsync(key, options.Value.MaxFailures, options.Value.Lockout, ct) is { } until)
        {
            await audit.RecordAsync(Event(number, AuditEvent.AuditEventOutcome.N4, "lookups with this number are locked after too many failures", null), ct);
            return new GuestLookupResult.Locked(new DateTimeOffset(until, TimeSpan.Zero));
        }

        if (await billing.FindAccountAsync(number, birthDate, ct) is { } accountId)
        {
            await throttle.ClearAsync(key, ct);
            await audit.RecordAsync(Event(number, AuditEvent.AuditEventOutcome.N0, "guest bill-pay session opened", $"Account/{accountId}"), ct);
            return new GuestLookupResult.Found(accountId);
        }
        await audit.RecordAsync(Event(number, AuditEvent.AuditEventOutcome.N4, "number and date of birth do not match one account", null), ct);
        return new GuestLookupResult.Failed();
    }

    private static string Shorten(string number) =>
        new string([.. (number.Length > 40 ? number[..40] : number).Select(c => char.IsControl(c) ? '?' : c)]) + (number.Length > 40 ? "…" : "");

    private static AuditRecord Event(string number, AuditEvent.AuditEventOutcome outcome, string what, string? account) => new(
        AuditCodes.UserAuthentication, AuditCodes.Account("guest-bill-pay-lookup", "Guest bill pay lookup"),
        AuditEvent.AuditEventAction.E, outcome, GuestBilling.ClientId, null, $"Number '{number}': {what}.", account);
}
