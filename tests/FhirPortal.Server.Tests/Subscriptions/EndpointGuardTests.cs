using System.Net;
using FhirPortal.Core.Subscriptions;

namespace FhirPortal.Server.Tests.Subscriptions;

/// <summary>
/// IPv6 addresses that carry an IPv4 one (NAT64, 6to4, IPv4-compatible) are judged by that IPv4 address, and a host
/// name DNS cannot carry is refused as unresolvable, not a server error.
/// </summary>
public sealed class EndpointGuardTests
{
    [Theory]
    [InlineData("64:ff9b::7f00:1", false)]      // NAT64 of 127.0.0.1
    [InlineData("64:ff9b::a9fe:a9fe", false)]   // NAT64 of 169.254.169.254
    [InlineData("64:ff9b::808:808", true)]      // NAT64 of 8.8.8.8
    [InlineData("2002:a01:203::1", false)]      // 6to4 of 10.1.2.3
    [InlineData("2002:c0a8:114::", false)]      // 6to4 of 192.168.1.20
    [InlineData("2002:808:808::1", true)]       // 6to4 of 8.8.8.8
    [InlineData("::7f00:1", false)]             // IPv4-compatible 127.0.0.1
    [InlineData("::a01:203", false)]            // IPv4-compatible 10.1.2.3
    [InlineData("::1", false)]
    [InlineData("2606:4700::1111", true)]
    public void Addresses_carrying_an_IPv4_address_are_judged_by_it(string address, bool expected) =>
        Assert.Equal(expected, EndpointGuard.IsPublic(IPAddress.Parse(address)));

    [Fact]
    public async Task A_host_name_too_long_for_DNS_is_refused_as_unresolvable()
    {
        var host = string.Join('.', Enumerable.Repeat(new string('a', 60), 5)) + ".example";
        var endpoint = new Uri($"https://{host}/hook");
        var refused = await EndpointGuard.RefuseAddressAsync(endpoint, new SubscriptionOptions(), CancellationToken.None);
        Assert.Contains("cannot be resolved", refused);
    }

    [Fact]
    public async Task A_subscription_to_a_host_name_too_long_for_DNS_is_refused_with_422()
    {
        using var data = new SubscriptionData();
        var host = string.Join('.', Enumerable.Repeat(new string('a', 60), 5)) + ".example";
        var response = await data.Client.PostAsync("Subscription",
            Fhir.Body(SubscriptionData.Subscription($"https://{host}/hook", SubscriptionTopics.PatientResult.Url, null, "patient=Patient/p1")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("cannot be resolved", (string?)(await response.ReadJsonAsync())["issue"]![0]!["diagnostics"]);
    }
}
