namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// Protects Subscription.channel.header values at rest, bound to one subscription (the host uses ASP.NET Core Data
/// Protection), so neither a read or search of the resource nor a copy of the store shows a subscriber's secret.
/// </summary>
public interface ISubscriptionSecrets
{
    /// <summary>The value protected for this subscription (printable, no line breaks).</summary>
    string Protect(string subscriptionId, string value);

    /// <summary>The clear value, or null when <paramref name="protectedValue"/> was not protected for this subscription.</summary>
    string? Unprotect(string subscriptionId, string protectedValue);
}
