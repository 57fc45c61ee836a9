using System.Security.Cryptography;
using FhirPortal.Core.Subscriptions;
using Microsoft.AspNetCore.DataProtection;

namespace FhirPortal.Server.Subscriptions;

/// <summary>
/// Subscription header values protected with ASP.NET Core Data Protection (the host's key ring), with the subscription
/// id in the purpose so a token copied to another subscription does not open.
/// </summary>
internal sealed class DataProtectedSubscriptionSecrets(IDataProtectionProvider provider) : ISubscriptionSecrets
{
    private readonly IDataProtector _protector = provider.CreateProtector("FhirPortal.Subscriptions.Header");

    public string Protect(string subscriptionId, string value) => _protector.CreateProtector(subscriptionId).Protect(value);

    public string? Unprotect(string subscriptionId, string protectedValue)
    {
        try
        {
            return _protector.CreateProtector(subscriptionId).Unprotect(protectedValue);
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return null;
        }
    }
}
