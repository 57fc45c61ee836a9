using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Notifications;

/// <summary>
/// Appointment reminders on a fake clock: one per offset (default 7 days and 24 hours before start), none for
/// cancelled or past appointments, never twice (also not after a restart), new ones after a reschedule.
/// </summary>
public sealed class ReminderTests : IDisposable
{
    private static readonly DateTimeOffset Visit = NotificationData.Start.AddDays(10);
    private readonly List<NotificationData> _hosts = [];

    public void Dispose() => _hosts.ForEach(h => h.Dispose());

    private async Task<NotificationData> HostAsync(string? dataDirectory = null, Microsoft.Extensions.Time.Testing.FakeTimeProvider? clock = null)
    {
        var data = new NotificationData(dataDirectory: dataDirectory, clock: clock);
        _hosts.Add(data);
        if (dataDirectory is null) await data.PatientAsync("p1", ("email", "pat@example.org", null, null));
        return data;
    }

    private static async Task<List<JsonNode>> RemindersAsync(NotificationData data) =>
        [.. (await data.NoticesAsync()).Where(n => (string?)n["topic"]!["text"] == "Appointment reminder")];

    [Fact]
    public async Task A_reminder_is_queued_once_at_each_offset_and_sent()
    {
        var data = await HostAsync();
        await data.AppointmentAsync("a1", "p1", "booked", Visit);

        // (time after booking, reminders queued by that round, total)
        foreach (var (at, queued, total) in new[] { (TimeSpan.FromDays(3) - TimeSpan.FromMinutes(1), 0, 0), (TimeSpan.FromDays(3), 1, 1), (TimeSpan.FromDays(3), 0, 1),
                     (TimeSpan.FromDays(9) - TimeSpan.FromMinutes(1), 0, 1), (TimeSpan.FromDays(9), 1, 2), (TimeSpan.FromDays(9.5), 0, 2) })
        {
            data.Clock.SetUtcNow(NotificationData.Start + at);
            Assert.Equal(queued, await data.QueueRemindersAsync());
            Assert.Equal(total, (await RemindersAsync(data)).Count);
        }

        Assert.Equal(3, await data.DispatchAsync()); // the booking confirmation and both reminders
        var mails = await Task.WhenAll(NotificationData.Files(data.MailFolder).Select(f => File.ReadAllTextAsync(f)));
        Assert.Equal(2, mails.Count(m => m.Contains("Reminder from FhirPortal: you have an appointment on Thursday 14 March 2030 at 08:00")));
        data.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await data.QueueRemindersAsync()); // the appointment is past
    }

    [Fact]
    public async Task A_cancelled_appointment_gets_no_reminder_and_one_queued_before_the_cancellation_is_not_sent()
    {
        var data = await HostAsync();
        await data.AppointmentAsync("a1", "p1", "booked", Visit);
        await data.AppointmentAsync("a2", "p1", "booked", Visit.AddHours(2));
        await data.AppointmentAsync("a1", "p1", "cancelled", Visit);

        data.Clock.SetUtcNow(Visit.AddDays(-7).AddHours(2));
        Assert.Equal(1, await data.QueueRemindersAsync());
        Assert.Equal("Appointment/a2", (string?)Assert.Single(await RemindersAsync(data))["about"]![0]!["reference"]);

        Assert.Equal(HttpStatusCode.OK, (await data.AppointmentAsync("a2", "p1", "cancelled", Visit.AddHours(2))).StatusCode);
        await data.DispatchAsync();
        var reminder = Assert.Single(await RemindersAsync(data));
        Assert.Equal("not-done", (string?)reminder["status"]);
        Assert.Equal("The appointment is no longer booked.", (string?)reminder["statusReason"]!["text"]);
    }

    [Fact]
    public async Task A_restarted_server_does_not_queue_a_reminder_again()
    {
        var first = await HostAsync();
        first.Host.KeepData = true;
        await first.AppointmentAsync("a1", "p1", "booked", Visit);
        first.Clock.SetUtcNow(Visit.AddDays(-7));
        Assert.Equal(1, await first.QueueRemindersAsync());
        first.Dispose();
        _hosts.Remove(first);

        var second = await HostAsync(first.Host.DataDirectory, first.Clock);
        second.Host.KeepData = false;

        Assert.Equal(0, await second.QueueRemindersAsync());
        Assert.Single(await RemindersAsync(second));
    }

    [Fact]
    public async Task A_rescheduled_appointment_gets_new_reminders_and_the_old_one_is_dropped()
    {
        var data = await HostAsync();
        await data.AppointmentAsync("a1", "p1", "booked", Visit);
        data.Clock.SetUtcNow(Visit.AddDays(-7));
        Assert.Equal(1, await data.QueueRemindersAsync());

        await data.AppointmentAsync("a1", "p1", "booked", Visit.AddDays(2));
        Assert.Equal(0, await data.QueueRemindersAsync());
        data.Clock.SetUtcNow(Visit.AddDays(2 - 7));
        Assert.Equal(1, await data.QueueRemindersAsync());

        await data.DispatchAsync();
        var reminders = await RemindersAsync(data);
        Assert.Equal(["not-done", "completed"], reminders.Select(r => (string?)r["status"]));
        Assert.Equal("The appointment was moved; its new time has its own reminders.", (string?)reminders[0]["statusReason"]!["text"]);
    }

    [Fact]
    public async Task The_background_worker_queues_and_sends_on_its_own_each_poll_interval()
    {
        var data = new NotificationData(new Dictionary<string, string?>
        {
            ["FhirPortal:Notifications:Background"] = "true",
            ["FhirPortal:Notifications:PollInterval"] = "00:01:00",
        });
        _hosts.Add(data);
        await data.PatientAsync("p1", ("email", "pat@example.org", null, null));
        await data.AppointmentAsync("a1", "p1", "booked", Visit);

        data.Clock.SetUtcNow(Visit.AddDays(-7));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (NotificationData.Files(data.MailFolder).Length < 2 && DateTime.UtcNow < deadline)
        {
            data.Clock.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(200);
        }

        Assert.Equal(2, NotificationData.Files(data.MailFolder).Length); // the confirmation and the 7-day reminder
    }
}
