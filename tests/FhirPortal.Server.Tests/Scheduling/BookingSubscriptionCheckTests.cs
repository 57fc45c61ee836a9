using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core.Subscriptions;
using FhirPortal.Server.Tests.Subscriptions;

namespace FhirPortal.Server.Tests.Scheduling;

/// <summary>
/// A booking's confirmation notice is the server's own Communication: it is never a subscription event, and it is told
/// apart before the message topic's live-subscription search, so a booking asks the store only about the Appointment's topic.
/// </summary>
public sealed class BookingSubscriptionCheckTests
{
    private static readonly DateTimeOffset Tomorrow9 = SchedulingData.Now.AddDays(1).AddHours(1);

    [Fact]
    public async Task A_booking_checks_for_live_subscriptions_once_not_again_for_its_notice()
    {
        SearchRecorder? recorder = null;
        using var data = new SchedulingData(services: SearchRecorder.Install(r => recorder = r));
        await data.SlotsAsync("dr1", "dr1", Tomorrow9);
        var before = recorder!.Searches.Count;

        var booked = await data.Staff.PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p1", "dr1-0")));

        Assert.Equal(HttpStatusCode.OK, booked.StatusCode);
        // The live check is a one-entry Subscription search per topic (the delivery worker pages by 200).
        var liveChecks = recorder.Searches.Skip(before).Count(q => q.ResourceType == "Subscription" && q.Count == 1);
        Assert.Equal(1, liveChecks);
        var notices = await (await data.Staff.GetAsync("Communication?subject=Patient/p1")).ReadJsonAsync();
        Assert.Single(notices["entry"]!.AsArray());
    }

    [Fact]
    public async Task With_a_live_message_subscription_a_booking_notice_records_no_event()
    {
        using var data = new SchedulingData(new Dictionary<string, string?> { ["FhirPortal:Subscriptions:AllowPrivateAddresses"] = "true" });
        var subscription = SubscriptionData.Subscription("http://127.0.0.1:9/hook", SubscriptionTopics.PatientMessage.Url);
        var created = await data.Staff.PostAsync("Subscription", Fhir.Body(subscription));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await data.SlotsAsync("dr1", "dr1", Tomorrow9);

        var booked = await data.Staff.PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p1", "dr1-0")));

        Assert.Equal(HttpStatusCode.OK, booked.StatusCode);
        var notices = await (await data.Staff.GetAsync("Communication?subject=Patient/p1")).ReadJsonAsync();
        Assert.Single(notices["entry"]!.AsArray());
        var events = await (await data.Staff.GetAsync($"Basic?code={Backport.EventCodeSystem}|{Backport.PendingEventCode}")).ReadJsonAsync();
        Assert.Empty(events["entry"]?.AsArray() ?? new JsonArray());
    }
}
