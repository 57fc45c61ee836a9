using Hl7.Fhir.Model;

namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// Subscription.channel.header as stored: <c>Name: protected:&lt;token&gt;</c>, the value protected for that subscription
/// (<see cref="ISubscriptionSecrets"/>); only delivery sees it in clear.
/// </summary>
internal static class ChannelHeaders
{
    private const string Prefix = "protected:";

    /// <summary>
    /// Protects the clear values of a client's write. A protected value is kept only as the client read it, on the same
    /// subscription and endpoint: a copied token, or one pointed at a new endpoint, would send the secret elsewhere.
    /// </summary>
    public static void Protect(Subscription subscription, string id, Subscription? previous, ISubscriptionSecrets secrets)
    {
        var sameEndpoint = previous?.Channel?.Endpoint == subscription.Channel.Endpoint;
        subscription.Channel.Header = [.. subscription.Channel.Header.OfType<string>().Select(header =>
        {
            var (name, value) = Split(header);
            if (!value.StartsWith(Prefix, StringComparison.Ordinal)) return $"{name}: {Prefix}{secrets.Protect(id, value)}";
            if (sameEndpoint && secrets.Unprotect(id, value[Prefix.Length..]) is not null) return header;
            throw FhirOutcomeException.Unprocessable(
                "A protected Subscription.channel.header value may only be sent back unchanged to the same subscription and endpoint; give the value in clear.",
                "Subscription.channel.header");
        })];
    }

    /// <summary>The headers to send, in clear; throws when a stored value cannot be unprotected (the delivery fails with that reason).</summary>
    public static List<string> Clear(Subscription subscription, string id, ISubscriptionSecrets secrets) =>
    [
        .. subscription.Channel.Header.OfType<string>().Select(header =>
        {
            var (name, value) = Split(header);
            if (!value.StartsWith(Prefix, StringComparison.Ordinal)) return header;
            return $"{name}: {secrets.Unprotect(id, value[Prefix.Length..])
                               ?? throw new InvalidOperationException($"The stored value of the header {name} cannot be unprotected; write the subscription again.")}";
        }),
    ];

    private static (string Name, string Value) Split(string header)
    {
        var colon = header.IndexOf(':');
        return colon < 0 ? (header.Trim(), "") : (header[..colon].Trim(), header[(colon + 1)..].Trim());
    }
}
