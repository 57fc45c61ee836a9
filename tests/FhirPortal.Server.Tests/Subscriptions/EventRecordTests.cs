using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core.Subscriptions;
using FhirPortal.Server.Tests.Access;

namespace FhirPortal.Server.Tests.Subscriptions;

/// <summary>
/// Subscription event records (Basic) are the server's: no client, patient app or system, may create, change or
/// delete one, so none can announce a fake event or stop a subscription's delivery.
/// </summary>
public sealed class EventRecordTests : IAsyncLifetime
{
    private static readonly string Results = SubscriptionTopics.PatientResult.Url;
    private HookListener _hook = null!;

    public async Task InitializeAsync() => _hook = await HookListener.StartAsync();

    public async Task DisposeAsync() => await _hook.DisposeAsync();

    private static JsonObject ForgedEvent(string subscription, string focus, bool withCode = true, bool withSubject = true)
    {
        var basic = new JsonObject
        {
            ["resourceType"] = "Basic",
            ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = withCode ? Backport.EventCodeSystem : "http://example.org/codes", ["code"] = Backport.EventCode }) },
            ["author"] = new JsonObject { ["reference"] = "Patient/p1" },
            ["extension"] = new JsonArray(
                new JsonObject { ["url"] = "http://fhirportal.org/fhir/StructureDefinition/subscription-event-number", ["valueString"] = "999999999" },
                new JsonObject { ["url"] = "http://fhirportal.org/fhir/StructureDefinition/subscription-event-focus", ["valueReference"] = new JsonObject { ["reference"] = focus } }),
        };
        if (withSubject) basic["subject"] = new JsonObject { ["reference"] = $"Subscription/{subscription}" };
        return basic;
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task No_client_may_create_an_event_record_and_the_subscription_keeps_delivering(bool withCode, bool withSubject)
    {
        using var data = new SubscriptionData(secured: true);
        var app = data.Host.ClientWith("patient/Subscription.cruds patient/Observation.rs patient/Basic.cruds", patient: "p1");
        var id = await SubscriptionData.SubscribeAsync(app, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        Assert.Equal(1, await data.DeliverAsync());
        var other = await SubscriptionData.CreateAsync(data.Client, SubscriptionData.LabResult("p2"));

        foreach (var client in new[] { app, data.Client })
        {
            var response = await client.PostAsync("Basic", Fhir.Body(ForgedEvent(id, $"Observation/{other}", withCode, withSubject)));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("OperationOutcome", (string?)(await response.ReadJsonAsync())["resourceType"]);
        }

        var real = await SubscriptionData.CreateAsync(data.Client, SubscriptionData.LabResult("p1"));
        Assert.Equal(1, await data.DeliverAsync());
        var (number, focus) = Assert.Single(HookListener.Events(Assert.Single(_hook.OfType("event-notification"))));
        Assert.Equal("1", number);
        Assert.EndsWith($"/Observation/{real}", focus);
    }

    [Fact]
    public async Task The_servers_event_records_cannot_be_updated_or_deleted_by_a_client()
    {
        using var data = new SubscriptionData();
        var id = await SubscriptionData.SubscribeAsync(data.Client, SubscriptionData.Subscription(_hook.Endpoint, Results, null, "patient=Patient/p1"));
        await SubscriptionData.CreateAsync(data.Client, SubscriptionData.LabResult("p1"));
        var search = await (await data.Client.GetAsync($"Basic?subject=Subscription/{id}")).ReadJsonAsync();
        var record = search["entry"]!.AsArray().Single()!["resource"]!.AsObject();
        var recordId = (string)record["id"]!;

        record["extension"]!.AsArray().Add(new JsonObject { ["url"] = Backport.EventNumber, ["valueInteger"] = 999999999 });
        var update = await data.Client.PutAsync($"Basic/{recordId}", Fhir.Body(record));
        Assert.Equal(HttpStatusCode.Forbidden, update.StatusCode);
        var delete = await data.Client.DeleteAsync($"Basic/{recordId}");
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await data.Client.GetAsync($"Basic/{recordId}")).StatusCode);
    }
}
