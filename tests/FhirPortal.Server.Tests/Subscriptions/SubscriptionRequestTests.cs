using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core.Subscriptions;
using FhirPortal.Server.Tests.Access;

namespace FhirPortal.Server.Tests.Subscriptions;

/// <summary>
/// What a Subscription may be: a known topic, patient filters, a rest-hook endpoint the server may call (no loopback,
/// private or link-local address unless AllowPrivateAddresses; https only unless AllowHttp); a patient's app
/// subscribes to its own patient only and hears only about that patient. Topics are on the CapabilityStatement.
/// </summary>
public sealed class SubscriptionRequestTests : IAsyncLifetime
{
    private static readonly string Results = SubscriptionTopics.PatientResult.Url;
    private HookListener _hook = null!;

    public async Task InitializeAsync() => _hook = await HookListener.StartAsync();

    public async Task DisposeAsync() => await _hook.DisposeAsync();

    [Theory]
    [InlineData("http://127.0.0.1:9/hook")]
    [InlineData("http://localhost:9/hook")]
    [InlineData("http://[::1]:9/hook")]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://192.168.1.20/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::ffff:127.0.0.1]:9/hook")]
    public async Task Endpoints_at_internal_addresses_are_refused_unless_private_addresses_are_allowed(string endpoint)
    {
        using var data = new SubscriptionData(settings: new Dictionary<string, string?> { ["FhirPortal:Subscriptions:AllowPrivateAddresses"] = "false" });
        var response = await data.Client.PostAsync("Subscription", Fhir.Body(SubscriptionData.Subscription(endpoint, Results, null, "patient=Patient/p1")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var outcome = await response.ReadJsonAsync();
        Assert.Equal("OperationOutcome", (string?)outcome["resourceType"]);
        Assert.Contains("loopback, private or link-local", (string?)outcome["issue"]![0]!["diagnostics"]);
        Assert.Equal(0, await data.DeliverAsync());
    }

    [Theory]
    [InlineData("http://example.org/unknown-topic", "patient=Patient/p1", "rest-hook", "criteria")]
    [InlineData(null, "code=1234-5", "rest-hook", "filter")]
    [InlineData(null, "patient=Patient/p1", "email", "rest-hook")]
    [InlineData(null, "Appointment?patient=Patient/p1", "rest-hook", "filter")]
    public async Task Subscriptions_the_server_cannot_serve_are_refused_with_422(string? topic, string filter, string channel, string expected)
    {
        using var data = new SubscriptionData();
        var subscription = SubscriptionData.Subscription(_hook.Endpoint, topic ?? Results, null, filter);
        subscription["channel"]!["type"] = channel;
        var response = await data.Client.PostAsync("Subscription", Fhir.Body(subscription));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(expected, (string?)(await response.ReadJsonAsync())["issue"]![0]!["diagnostics"]);
    }

    [Fact]
    public async Task Plain_http_is_refused_when_not_allowed()
    {
        using var data = new SubscriptionData(settings: new Dictionary<string, string?> { ["FhirPortal:Subscriptions:AllowHttp"] = "false" });
        var response = await data.Client.PostAsync("Subscription", Fhir.Body(SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("https", (string?)(await response.ReadJsonAsync())["issue"]![0]!["diagnostics"]);
    }

    [Fact]
    public async Task Server_kept_state_cannot_be_forged_by_the_client()
    {
        using var data = new SubscriptionData();
        var subscription = SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1");
        subscription["status"] = "active";
        subscription["extension"] = new JsonArray(
            new JsonObject { ["url"] = Backport.EventCount, ["valueString"] = "99" },
            new JsonObject { ["url"] = Backport.Owner, ["extension"] = new JsonArray(new JsonObject { ["url"] = "scope", ["valueString"] = "system/*.rs" }) });
        var id = await SubscriptionData.SubscribeAsync(data.Client, subscription);
        var stored = await data.ReadAsync($"Subscription/{id}");
        Assert.Equal("requested", (string?)stored["status"]);
        Assert.DoesNotContain(stored["extension"]!.AsArray(), e => (string?)e!["url"] == Backport.EventCount);
        var owner = stored["extension"]!.AsArray().Single(e => (string?)e!["url"] == Backport.Owner)!;
        Assert.DoesNotContain(owner["extension"]!.AsArray(), e => (string?)e!["valueString"] == "system/*.rs");
    }

    [Fact]
    public async Task A_patients_app_subscribes_only_to_its_own_patient_and_hears_only_about_it()
    {
        using var data = new SubscriptionData(secured: true);
        var app = data.Host.ClientWith("patient/Subscription.cruds patient/Observation.rs", patient: "p1");

        foreach (var filters in new[] { new[] { "patient=Patient/p2" }, [], ["patient=Patient/p1", "Observation?patient=Patient/p2"] })
        {
            var refused = await app.PostAsync("Subscription", Fhir.Body(SubscriptionData.Subscription(_hook.Endpoint, Results, null, filters)));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("OperationOutcome", (string?)(await refused.ReadJsonAsync())["resourceType"]);
        }
        var own = await SubscriptionData.SubscribeAsync(app, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        var others = await SubscriptionData.SubscribeAsync(data.Client, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p2"));

        // The app sees its own subscription, not another patient's.
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync($"Subscription/{own}")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await app.GetAsync($"Subscription/{others}")).StatusCode);
        var search = await (await app.GetAsync("Subscription")).ReadJsonAsync();
        Assert.Equal([own], search["entry"]!.AsArray().Select(e => (string?)e!["resource"]!["id"]));
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync($"Subscription/{own}/$status")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await app.GetAsync($"Subscription/{others}/$status")).StatusCode);

        Assert.Equal(2, await data.DeliverAsync()); // both handshakes
        var p1Result = await SubscriptionData.CreateAsync(data.Client, SubscriptionData.LabResult("p1"));
        await SubscriptionData.CreateAsync(data.Client, SubscriptionData.LabResult("p2"));
        Assert.Equal(2, await data.DeliverAsync());
        var notifications = _hook.OfType("event-notification");
        var mine = Assert.Single(notifications, n => HookListener.Status(n)["subscription"]!.EndsWith($"/Subscription/{own}"));
        Assert.EndsWith($"/Observation/{p1Result}", Assert.Single(HookListener.Events(mine)).Focus);
    }

    [Fact]
    public async Task Events_the_creator_may_no_longer_read_are_counted_but_not_sent()
    {
        using var data = new SubscriptionData(secured: true);
        // A staff app with results of category vital-signs only (granular scope): lab results are outside its reach.
        var staff = data.Host.ClientWith("user/Subscription.cruds user/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs",
            fhirUser: "Practitioner/dr1");
        var id = await SubscriptionData.SubscribeAsync(staff, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        Assert.Equal(1, await data.DeliverAsync());
        await SubscriptionData.CreateAsync(data.Client, SubscriptionData.LabResult("p1"));
        Assert.Equal(0, await data.DeliverAsync());
        Assert.Empty(_hook.OfType("event-notification"));
        Assert.Equal("1", HookListener.Status(await (await data.Client.GetAsync($"Subscription/{id}/$status")).ReadJsonAsync())["events-since-subscription-start"]);
    }

    [Fact]
    public async Task The_CapabilityStatement_lists_the_topics_and_the_subscription_operations()
    {
        using var data = new SubscriptionData();
        var statement = await (await data.Client.GetAsync("metadata")).ReadJsonAsync();
        var subscription = statement["rest"]![0]!["resource"]!.AsArray().Single(r => (string?)r!["type"] == "Subscription")!;
        var topics = subscription["extension"]!.AsArray().Where(e => (string?)e!["url"] == Backport.TopicCanonical).Select(e => (string?)e!["valueCanonical"]).ToList();
        Assert.Equal(SubscriptionTopics.All.Select(t => t.Url), topics);
        Assert.Contains(subscription["operation"]!.AsArray(), o => (string?)o!["name"] == "status");
        Assert.Contains(subscription["operation"]!.AsArray(), o => (string?)o!["name"] == "events");
    }
}
