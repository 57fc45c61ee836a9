using System.Net;
using System.Net.Sockets;

namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// Keeps subscriptions from making the server call internal addresses (SSRF): https only (http when allowed), and no
/// loopback, private, link-local or otherwise non-public address unless <see cref="SubscriptionOptions.AllowPrivateAddresses"/>.
/// Checked when a subscription is written and again on every connection (a name may resolve elsewhere later).
/// </summary>
public static class EndpointGuard
{
    /// <summary>Why the endpoint is refused by its form alone (scheme, absolute URL), or null.</summary>
    public static string? RefuseUrl(string? endpoint, SubscriptionOptions options)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)) return "Subscription.channel.endpoint must be an absolute URL.";
        if (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && options.AllowHttp)) return null;
        return $"Subscription.channel.endpoint must use https{(options.AllowHttp ? " or http" : "")}.";
    }

    /// <summary>Resolves the endpoint's host; a refusal reason when it fails or any address is not public.</summary>
    public static async Task<string?> RefuseAddressAsync(Uri endpoint, SubscriptionOptions options, CancellationToken ct)
    {
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(endpoint.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(endpoint.IdnHost, ct);
        }
        catch (SocketException)
        {
            return $"The host of Subscription.channel.endpoint ({endpoint.Host}) cannot be resolved.";
        }
        if (addresses.Length == 0) return $"The host of Subscription.channel.endpoint ({endpoint.Host}) cannot be resolved.";
        return options.AllowPrivateAddresses || addresses.All(IsPublic) ? null
            : $"Subscription.channel.endpoint ({endpoint.Host}) resolves to a loopback, private or link-local address; the server does not call those.";
    }

    /// <summary>Whether an address is a public unicast one.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return false;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast);
        var b = address.GetAddressBytes();
        return b[0] switch
        {
            0 or 10 or 127 => false,
            100 => b[1] is < 64 or > 127,           // 100.64/10 carrier-grade NAT
            169 => b[1] != 254,                      // link-local (cloud metadata 169.254.169.254)
            172 => b[1] is < 16 or > 31,
            192 => !(b[1] == 168 || (b[1] == 0 && b[2] is 0 or 2)),
            198 => b[1] is not (18 or 19),
            >= 224 => false,                         // multicast and reserved
            _ => true,
        };
    }
}
