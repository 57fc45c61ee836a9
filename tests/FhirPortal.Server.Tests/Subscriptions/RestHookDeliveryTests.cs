using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core.Subscriptions;

namespace FhirPortal.Server.Tests.Subscriptions;

/// <summary>
/// Rest-hook delivery to a local subscriber: handshake, then id-only event notifications for the subscription's
/// patient only, numbered and sent in order; a failing endpoint is retried with back-off and ends in status error.
/// </summary>
public sealed class RestHookDeliveryTests : IAsyncLifetime
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
    public async Task A_subscriber_gets_the_handshake_then_id_only_notifications_of_its_patients_lab_results_only()
    {
        var id = await SubscriptionData.SubscribeAsync(_data.Client, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        Assert.Equal("requested", (string?)(await _data.ReadAsync($"Subscription/{id}"))["status"]);

        Assert.Equal(1, await _data.DeliverAsync());
        var handshake = Assert.Single(_hook.OfType("handshake"));
        Assert.Equal("Bearer hook-secret", _hook.Received[0].Headers.Authorization.ToString());
        Assert.StartsWith("application/fhir+json", _hook.Received[0].Headers.ContentType.ToString());
        Assert.Equal(Results, HookListener.Status(handshake)["topic"]);
        Assert.Equal("active", (string?)(await _data.ReadAsync($"Subscription/{id}"))["status"]);

        await SubscriptionData.CreateAsync(_data.Client, SubscriptionData.LabResult("p2"));
        await SubscriptionData.CreateAsync(_data.Client, SubscriptionData.LabResult("p1", status: "preliminary"));
        Assert.Equal(0, await _data.DeliverAsync());
        Assert.Empty(_hook.OfType("event-notification"));

        var result = await SubscriptionData.CreateAsync(_data.Client, SubscriptionData.LabResult("p1"));
        Assert.Equal(1, await _data.DeliverAsync());
        var notification = Assert.Single(_hook.OfType("event-notification"));
        Assert.Equal("history", (string?)notification["type"]);
        Assert.Single(notification["entry"]!.AsArray()); // id-only: the status alone, no resource
        var status = HookListener.Status(notification);
        Assert.Equal("1", status["events-since-subscription-start"]);
        Assert.EndsWith($"/Subscription/{id}", status["subscription"]);
        var (number, focus) = Assert.Single(HookListener.Events(notification));
        Assert.Equal("1", number);
        Assert.EndsWith($"/Observation/{result}", focus);
        Assert.Equal(0, await _data.DeliverAsync());
    }

    [Fact]
    public async Task Events_are_numbered_in_write_order_and_delivered_in_that_order()
    {
        var id = await SubscriptionData.SubscribeAsync(_data.Client, SubscriptionData.Subscription(_hook.Endpoint, Results, "id-only", "Observation?patient=Patient/p1"));
        await _data.DeliverAsync();
        var results = new List<string>();
        for (var i = 0; i < 3; i++) results.Add(await SubscriptionData.CreateAsync(_data.Client, SubscriptionData.LabResult("p1")));
        // An amendment of the first result is a fourth event.
        var amended = SubscriptionData.LabResult("p1", status: "amended");
        amended["id"] = results[0];
        Assert.Equal(HttpStatusCode.OK, (await _data.Client.PutAsync($"Observation/{results[0]}", Fhir.Body(amended))).StatusCode);

        Assert.Equal(4, await _data.DeliverAsync());
        var events = _hook.OfType("event-notification").Select(n => Assert.Single(HookListener.Events(n))).ToList();
        Assert.Equal(["1", "2", "3", "4"], events.Select(e => e.Number));
        Assert.Equal([.. results, results[0]], events.Select(e => e.Focus![(e.Focus!.LastIndexOf('/') + 1)..]));

        var statusBundle = await (await _data.Client.GetAsync($"Subscription/{id}/$status")).ReadJsonAsync();
        var status = HookListener.Status(statusBundle);
        Assert.Equal("4", status["events-since-subscription-start"]);
        Assert.Equal("active", status["status"]);
        Assert.Equal("query-status", status["type"]);

        var since = await (await _data.Client.GetAsync($"Subscription/{id}/$events?eventsSinceNumber=2&eventsUntilNumber=3")).ReadJsonAsync();
        Assert.Equal(["2", "3"], HookListener.Events(since).Select(e => e.Number));
    }

    [Fact]
    public async Task Full_resource_content_carries_the_focus_and_empty_content_only_the_count()
    {
        await SubscriptionData.SubscribeAsync(_data.Client, SubscriptionData.Subscription(_hook.Endpoint, Results, "full-resource", "patient=Patient/p1"));
        await _data.DeliverAsync();
        var result = await SubscriptionData.CreateAsync(_data.Client, SubscriptionData.LabResult("p1"));
        await _data.DeliverAsync();
        var notification = Assert.Single(_hook.OfType("event-notification"));
        Assert.Equal(2, notification["entry"]!.AsArray().Count);
        Assert.Equal(result, (string?)notification["entry"]![1]!["resource"]!["id"]);
    }

    [Fact]
    public async Task A_failing_endpoint_is_retried_with_back_off_and_then_the_subscription_shows_error_with_the_reason()
    {
        var id = await SubscriptionData.SubscribeAsync(_data.Client, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        await _data.DeliverAsync();
        _hook.FailWith = HttpStatusCode.InternalServerError;
        await SubscriptionData.CreateAsync(_data.Client, SubscriptionData.LabResult("p1"));

        Assert.Equal(0, await _data.DeliverAsync());            // attempt 1 fails
        Assert.Equal(0, await _data.DeliverAsync());            // backing off: not due yet
        Assert.Equal(2, _hook.Received.Count);
        _data.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await _data.DeliverAsync());            // attempt 2 (after 1 min)
        _data.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await _data.DeliverAsync());            // not due: the second delay is 2 min
        Assert.Equal(3, _hook.Received.Count);
        var retrying = await _data.ReadAsync($"Subscription/{id}");
        Assert.Equal("active", (string?)retrying["status"]);

        _data.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await _data.DeliverAsync());            // attempt 3 of 3
        Assert.Equal(4, _hook.Received.Count);
        var failed = await _data.ReadAsync($"Subscription/{id}");
        Assert.Equal("error", (string?)failed["status"]);
        Assert.Contains("500", (string?)failed["error"]);
        Assert.Equal("error", HookListener.Status(await (await _data.Client.GetAsync($"Subscription/{id}/$status")).ReadJsonAsync())["status"]);

        // In error nothing more is sent, however long one waits.
        _data.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await _data.DeliverAsync());
        Assert.Equal(4, _hook.Received.Count);
    }

    [Fact]
    public async Task A_failed_handshake_puts_the_subscription_in_error_with_the_reason()
    {
        _hook.FailWith = HttpStatusCode.NotFound;
        var id = await SubscriptionData.SubscribeAsync(_data.Client, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        Assert.Equal(0, await _data.DeliverAsync());
        var subscription = await _data.ReadAsync($"Subscription/{id}");
        Assert.Equal("error", (string?)subscription["status"]);
        Assert.Contains("handshake", (string?)subscription["error"]);
    }

    [Fact]
    public async Task An_idle_subscription_gets_a_heartbeat_each_period()
    {
        var subscription = SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1");
        subscription["channel"]!["extension"] = new JsonArray(new JsonObject { ["url"] = Backport.HeartbeatPeriod, ["valueUnsignedInt"] = 60 });
        await SubscriptionData.SubscribeAsync(_data.Client, subscription);
        await _data.DeliverAsync();
        Assert.Equal(0, await _data.DeliverAsync());
        _data.Clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(1, await _data.DeliverAsync());
        Assert.Single(_hook.OfType("heartbeat"));
    }
}
