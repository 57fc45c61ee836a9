using System.Text.Json.Nodes;
using FhirPortal.Core.Subscriptions;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Tests.Subscriptions;

/// <summary>
/// A triggering write stages only a pending event record (the Subscription is not touched, so racing writes never
/// collide on it); the delivery worker numbers pending events gap-free in commit order, reads events a page at a
/// time, and renews its lease during a round that outlives half of it, so no second round delivers concurrently.
/// </summary>
public sealed class EventNumberingTests : IAsyncLifetime
{
    private static readonly string Results = SubscriptionTopics.PatientResult.Url;
    private HookListener _hook = null!;

    public async Task InitializeAsync() => _hook = await HookListener.StartAsync();

    public async Task DisposeAsync() => await _hook.DisposeAsync();

    [Fact]
    public async Task A_triggering_write_stages_a_pending_event_and_leaves_the_subscription_unchanged()
    {
        using var data = new SubscriptionData();
        var id = await SubscriptionData.SubscribeAsync(data.Client, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        await data.DeliverAsync();
        var before = (string?)(await data.ReadAsync($"Subscription/{id}"))["meta"]!["versionId"];

        var result = await SubscriptionData.CreateAsync(data.Client, SubscriptionData.LabResult("p1"));
        Assert.Equal(before, (string?)(await data.ReadAsync($"Subscription/{id}"))["meta"]!["versionId"]);
        var pending = Assert.Single(await RecordsAsync(data, id));
        Assert.Equal(Backport.PendingEventCode, (string?)pending["code"]!["coding"]![0]!["code"]);

        Assert.Equal(1, await data.DeliverAsync());
        var numbered = Assert.Single(await RecordsAsync(data, id));
        Assert.Equal(Backport.EventCode, (string?)numbered["code"]!["coding"]![0]!["code"]);
        var (number, focus) = Assert.Single(HookListener.Events(Assert.Single(_hook.OfType("event-notification"))));
        Assert.Equal("1", number);
        Assert.EndsWith($"/Observation/{result}", focus);
    }

    [Fact]
    public async Task Racing_writes_for_one_subscription_all_commit_and_are_numbered_without_gaps()
    {
        using var data = new SubscriptionData();
        var id = await SubscriptionData.SubscribeAsync(data.Client, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        await data.DeliverAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => SubscriptionData.CreateAsync(data.Client, SubscriptionData.LabResult("p1"))));
        Assert.Equal(12, await data.DeliverAsync());

        var events = _hook.OfType("event-notification").Select(n => Assert.Single(HookListener.Events(n))).ToList();
        Assert.Equal(Enumerable.Range(1, 12).Select(i => $"{i}"), events.Select(e => e.Number));
        Assert.Equal(results.Order(), events.Select(e => e.Focus![(e.Focus!.LastIndexOf('/') + 1)..]).Order());
        Assert.Equal("12", HookListener.Status(await (await data.Client.GetAsync($"Subscription/{id}/$status")).ReadJsonAsync())["events-since-subscription-start"]);
    }

    [Fact]
    public async Task Events_are_read_one_page_at_a_time_by_the_worker_and_by_events()
    {
        using var data = new SubscriptionData(settings: new Dictionary<string, string?> { ["FhirPortal:Subscriptions:EventPage"] = "2" });
        var id = await SubscriptionData.SubscribeAsync(data.Client, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        await data.DeliverAsync();
        for (var i = 0; i < 5; i++) await SubscriptionData.CreateAsync(data.Client, SubscriptionData.LabResult("p1"));

        Assert.Equal(5, await data.DeliverAsync());
        Assert.Equal(["1", "2", "3", "4", "5"], _hook.OfType("event-notification").Select(n => Assert.Single(HookListener.Events(n)).Number));

        async Task<List<string>> EventsAsync(string query) =>
            [.. HookListener.Events(await (await data.Client.GetAsync($"Subscription/{id}/$events{query}")).ReadJsonAsync()).Select(e => e.Number)];
        Assert.Equal(["1", "2"], await EventsAsync(""));
        Assert.Equal(["3", "4"], await EventsAsync("?eventsSinceNumber=3"));
        Assert.Equal(["5"], await EventsAsync("?eventsSinceNumber=5&eventsUntilNumber=9"));
        Assert.Equal(["4"], await EventsAsync("?eventsSinceNumber=4&eventsUntilNumber=4"));
    }

    [Fact]
    public async Task A_round_that_outlives_half_its_lease_renews_it_so_a_second_round_delivers_nothing_meanwhile()
    {
        using var data = new SubscriptionData(settings: new Dictionary<string, string?> { ["FhirPortal:Subscriptions:ClaimLease"] = "00:00:10" });
        await SubscriptionData.SubscribeAsync(data.Client, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        await data.DeliverAsync();
        for (var i = 0; i < 4; i++) await SubscriptionData.CreateAsync(data.Client, SubscriptionData.LabResult("p1"));

        // Each notification takes 7 s of the 10 s lease; while it is being answered a second round runs.
        var concurrent = new List<int>();
        _hook.OnReceived = async body =>
        {
            if (HookListener.Status(body)["type"] != "event-notification") return;
            data.Clock.Advance(TimeSpan.FromSeconds(7));
            concurrent.Add(await data.DeliverAsync());
        };
        Assert.Equal(4, await data.DeliverAsync());
        _hook.OnReceived = null;

        Assert.Equal([0, 0, 0, 0], concurrent);
        Assert.Equal(["1", "2", "3", "4"], _hook.OfType("event-notification").Select(n => Assert.Single(HookListener.Events(n)).Number));
        Assert.Equal(0, await data.DeliverAsync());
    }

    [Fact]
    public async Task Event_records_stored_before_the_upgrade_are_still_delivered_and_listed_by_events()
    {
        using var data = new SubscriptionData(settings: new Dictionary<string, string?> { ["FhirPortal:Subscriptions:EventPage"] = "2" });
        var id = await SubscriptionData.SubscribeAsync(data.Client, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        await data.DeliverAsync();
        for (var i = 0; i < 3; i++) await SubscriptionData.CreateAsync(data.Client, SubscriptionData.LabResult("p1"));
        // Number the three events in a round whose endpoint is down, so none is delivered.
        _hook.FailWith = System.Net.HttpStatusCode.ServiceUnavailable;
        Assert.Equal(0, await data.DeliverAsync());
        _hook.FailWith = null;
        _hook.Received.Clear();
        data.Clock.Advance(TimeSpan.FromMinutes(5));
        // The records as the earlier release stored them: the number as a valueString (not in the number index).
        await RewriteAsLegacyAsync(data, id);

        var events = HookListener.Events(await (await data.Client.GetAsync($"Subscription/{id}/$events?eventsSinceNumber=2")).ReadJsonAsync());
        Assert.Equal(["2", "3"], events.Select(e => e.Number));
        Assert.Equal(3, await data.DeliverAsync());
        Assert.Equal(["1", "2", "3"], _hook.OfType("event-notification").Select(n => Assert.Single(HookListener.Events(n)).Number));
    }

    private static async Task RewriteAsLegacyAsync(SubscriptionData data, string id)
    {
        foreach (var record in await RecordsAsync(data, id))
            await data.RewriteStoredAsync(record, r =>
            {
                var number = r.GetExtensionValue<Integer>(Backport.EventNumber)!.Value!.Value;
                r.SetExtension(Backport.EventNumber, new FhirString(number.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            });
    }

    private static async Task<List<JsonNode>> RecordsAsync(SubscriptionData data, string id) =>
        [.. (await (await data.Client.GetAsync($"Basic?subject=Subscription/{id}")).ReadJsonAsync())["entry"]?.AsArray().Select(e => e!["resource"]!) ?? []];
}
