using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core.Subscriptions;

namespace FhirPortal.Server.Tests.Subscriptions;

/// <summary>
/// Subscription.channel.header values (e.g. a bearer token for the subscriber) are stored protected: reads and searches
/// never show them in clear, delivery sends them in clear, and a protected value works only where it was issued.
/// </summary>
public sealed class ChannelHeaderTests : IAsyncLifetime
{
    private static readonly string Results = SubscriptionTopics.PatientResult.Url;
    private readonly SubscriptionData _data = new();
    private HookListener _hook = null!;

    public async Task InitializeAsync() => _hook = await HookListener.StartAsync();

    public async Task DisposeAsync()
    {
        await _hook.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Header_values_are_never_returned_in_clear_but_are_sent_to_the_subscriber()
    {
        var id = await SubscriptionData.SubscribeAsync(_data.Client, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        var read = await _data.ReadAsync($"Subscription/{id}");
        var header = (string)read["channel"]!["header"]![0]!;
        Assert.StartsWith("Authorization: protected:", header);
        Assert.DoesNotContain("hook-secret", read.ToJsonString());
        Assert.DoesNotContain("hook-secret", (await (await _data.Client.GetAsync("Subscription")).Content.ReadAsStringAsync()));
        Assert.DoesNotContain("hook-secret", (await (await _data.Client.GetAsync($"Subscription/{id}/_history")).Content.ReadAsStringAsync()));

        // Sent back as read (e.g. to turn on full-resource content), the protected value still works.
        var update = await _data.Client.PutAsync($"Subscription/{id}", Fhir.Body(read.AsObject()));
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        Assert.Equal(1, await _data.DeliverAsync());
        Assert.Equal("Bearer hook-secret", _hook.Received.Single().Headers.Authorization.ToString());
    }

    [Fact]
    public async Task A_protected_value_copied_to_another_subscription_or_endpoint_is_refused()
    {
        var id = await SubscriptionData.SubscribeAsync(_data.Client, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        var read = (await _data.ReadAsync($"Subscription/{id}")).AsObject();
        var copy = SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1");
        copy["channel"]!["header"] = new JsonArray((string?)read["channel"]!["header"]![0]);
        var copied = await _data.Client.PostAsync("Subscription", Fhir.Body(copy));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, copied.StatusCode);

        read["channel"]!["endpoint"] = _hook.Endpoint + "/elsewhere";
        var moved = await _data.Client.PutAsync($"Subscription/{id}", Fhir.Body(read));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, moved.StatusCode);
        Assert.Contains("in clear", (string?)(await moved.ReadJsonAsync())["issue"]![0]!["diagnostics"]);
    }
}
