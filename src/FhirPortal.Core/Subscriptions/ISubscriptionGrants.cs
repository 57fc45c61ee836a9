using FhirPortal.Core.Access;

namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// Whether a subscription's creator still stands behind it, asked at every delivery: the account still exists and is not
/// disabled, and the app grant (authorization) the subscription was written under was not revoked. Implemented by the
/// authorization server (accounts and grants live there), so Core does not depend on it; without one, nothing is checked.
/// </summary>
public interface ISubscriptionGrants
{
    /// <summary>Why deliveries for <paramref name="owner"/> must stop, or null while the account and grant hold.</summary>
    Task<string?> WithdrawnAsync(Caller owner, CancellationToken ct);
}
