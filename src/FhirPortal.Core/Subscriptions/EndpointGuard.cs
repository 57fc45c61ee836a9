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
        // ArgumentException: a host name DNS cannot carry (over 255 characters, or a label over 63) though Uri took it.
        catch (Exception e) when (e is SocketException or ArgumentException)
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
        if (EmbeddedIPv4(address) is { } embedded) return IsPublic(embedded);
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

    /// <summary>
    /// The IPv4 address an IPv6 one carries to reach it (NAT64 64:ff9b::/96, 6to4 2002::/16, IPv4-compatible ::a.b.c.d),
    /// so it is judged by that address; null for other addresses.
    /// </summary>
    private static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return null;
        var b = address.GetAddressBytes();
        if (b[0] == 0x20 && b[1] == 0x02) return new IPAddress(b.AsSpan(2, 4));
        var prefix = b.AsSpan(0, 12);
        if (prefix.SequenceEqual(Nat64Prefix)) return new IPAddress(b.AsSpan(12, 4));
        // ::a.b.c.d, but not :: and ::1, which are judged as IPv6 (unspecified and loopback).
        return prefix.IndexOfAnyExcept((byte)0) < 0 && (b[12] | b[13] | b[14]) != 0 ? new IPAddress(b.AsSpan(12, 4)) : null;
    }

    private static readonly byte[] Nat64Prefix = [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
}
