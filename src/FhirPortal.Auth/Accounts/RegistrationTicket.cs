using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts;

/// <summary>What the first registration step proved, carried (encrypted, time-limited) to the step that chooses user name and password.</summary>
public sealed record RegistrationTicket(string PatientId, string CodeHash, string Mrn, string Name, string Email);

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
