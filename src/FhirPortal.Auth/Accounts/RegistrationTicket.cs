using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts;

/// <summary>What the first registration step proved, carried (encrypted, time-limited) to the step that chooses user name and password.</summary>
/// <param name="CodeHash">The activation code to use up; null when a health-plan member card proved the record.</param>
/// <param name="Claim">What the person registered with, as the audit may record it (never a member ID).</param>
public sealed record RegistrationTicket(string PatientId, string? CodeHash, string Claim, string Name, string Email)
{
    public static string MrnClaim(string mrn) => $"MRN '{mrn.Trim()}'";

    /// <summary>A member card as recorded: its group number only (the member ID holds SSN digits).</summary>
    public static string MemberClaim(string group) => $"member card of group '{group.Trim()}'";
}

/// <summary>Protects <see cref="RegistrationTicket"/>s with ASP.NET Core Data Protection, so the browser cannot read or forge them.</summary>
public sealed class RegistrationTickets(IDataProtectionProvider provider, IOptions<AccountOptions> options, TimeProvider time)
{
    private readonly ITimeLimitedDataProtector _protector = provider.CreateProtector("FhirPortal.Auth.Accounts.Registration").ToTimeLimitedDataProtector();

    public string Protect(RegistrationTicket ticket) =>
        _protector.Protect(JsonSerializer.Serialize(ticket), time.GetUtcNow() + options.Value.RegistrationStepLifetime);

    /// <summary>The ticket, or null when it was tampered with or is too old (the person starts again).</summary>
    public RegistrationTicket? Unprotect(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        try
        {
            var json = _protector.Unprotect(value, out var expires);
            return expires > time.GetUtcNow() ? JsonSerializer.Deserialize<RegistrationTicket>(json) : null;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or JsonException) { return null; }
    }
}
