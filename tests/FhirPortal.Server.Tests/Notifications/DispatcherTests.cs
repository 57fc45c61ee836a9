using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using FhirPortal.Core.Notifications;

namespace FhirPortal.Server.Tests.Notifications;

/// <summary>
/// The notification pipeline: a booking queues its confirmation as a Communication (status preparation) in the same
/// write; the dispatcher sends it once (email as .eml, text as a file without Twilio) and records it completed;
/// failures are retried with back-off and end not-done; a claim whose instance died is taken over after its lease.
/// </summary>
public sealed class DispatcherTests : IDisposable
{
    private static readonly DateTimeOffset InTenDays = NotificationData.Start.AddDays(10);
    private readonly List<NotificationData> _hosts = [];

    public void Dispose() => _hosts.ForEach(h => h.Dispose());

    private NotificationData Host(IDictionary<string, string?>? settings = null)
    {
        var data = new NotificationData(settings);
        _hosts.Add(data);
        return data;
    }

    [Fact]
    public async Task A_booking_queues_a_confirmation_in_the_same_write_and_the_dispatcher_sends_it_once()
    {
        var data = Host();
        await data.PatientAsync("p1", ("email", "pat@example.org", null, null));
        Assert.Equal(HttpStatusCode.Created, (await data.AppointmentAsync("a1", "p1", "booked", InTenDays)).StatusCode);

        var queued = Assert.Single(await data.NoticesAsync());
        Assert.Equal("preparation", (string?)queued["status"]);
        Assert.Equal("appointment", (string?)queued["category"]![0]!["coding"]![0]!["code"]);
        Assert.Equal("EMAILWRIT", (string?)queued["medium"]![0]!["coding"]![0]!["code"]);
        Assert.Equal("Patient/p1", (string?)queued["recipient"]![0]!["reference"]);
        Assert.Equal("Patient/p1", (string?)queued["subject"]!["reference"]);
        Assert.Equal("Appointment/a1", (string?)queued["about"]![0]!["reference"]);
        Assert.Equal("FhirPortal", (string?)queued["sender"]!["display"]);
        Assert.Empty(NotificationData.Files(data.MailFolder));

        Assert.Equal(1, await data.DispatchAsync());
        Assert.Equal(0, await data.DispatchAsync());

        var mail = Assert.Single(NotificationData.Files(data.MailFolder));
        var eml = await File.ReadAllTextAsync(mail);
        Assert.Contains("To: pat@example.org", eml);
        Assert.Contains("has been booked.", eml);
        var sent = Assert.Single(await data.NoticesAsync());
        Assert.Equal("completed", (string?)sent["status"]);
        Assert.Equal(NotificationData.Start, DateTimeOffset.Parse((string)sent["sent"]!));
    }

    [Fact]
    public async Task Notices_pass_validation_with_the_portal_profiles_loaded_as_in_production()
    {
        // null: the app's own defaults (profiles/ loaded, profile requirements as shipped).
        var data = Host(new Dictionary<string, string?> { ["FhirPortal:ProfilesDirectory"] = null, ["FhirPortal:Validation:RequireProfiles"] = null });
        await data.PatientAsync("p1", ("email", "pat@example.org", null, null));
        var booking = await data.AppointmentAsync("a1", "p1", "booked", InTenDays);
        Assert.True(booking.StatusCode == HttpStatusCode.Created, await booking.Content.ReadAsStringAsync());

        Assert.Equal(1, await data.DispatchAsync());
        Assert.Equal("completed", (string?)Assert.Single(await data.NoticesAsync())["status"]);
    }

    [Theory]
    [InlineData("sms", 1, "email", 2, "sms")]
    [InlineData("sms", 2, "email", 1, "mail")]
    [InlineData("phone", 1, "email", 2, "sms")] // a mobile phone number takes texts
    public async Task The_best_ranked_channel_of_the_patient_is_used(string firstSystem, int firstRank, string secondSystem, int secondRank, string folder)
    {
        var data = Host();
        await data.PatientAsync("p1", (firstSystem, firstSystem == "email" ? "pat@example.org" : "+15555550100", firstRank, "mobile"),
            (secondSystem, secondSystem == "email" ? "pat@example.org" : "+15555550100", secondRank, null));
        await data.AppointmentAsync("a1", "p1", "booked", InTenDays);

        Assert.Equal(1, await data.DispatchAsync());

        var file = Assert.Single(NotificationData.Files(Path.Combine(data.Host.DataDirectory, folder)));
        Assert.Contains(folder == "sms" ? "To: +15555550100" : "To: pat@example.org", await File.ReadAllTextAsync(file));
    }

    [Theory]
    [InlineData("America/Chicago", "sms", 3, 14)] // 21:00 in Chicago (UTC-6): held until 08:00 there
    [InlineData("America/Chicago", "sms", 13, 14)] // 07:00
    [InlineData("America/Chicago", "sms", 15, 15)] // 09:00: sent at once
    [InlineData("America/Chicago", "email", 3, 3)] // email is not held back
    [InlineData(null, "sms", 22, 32)] // no time zone: UTC, held until 08:00 the next day
    public async Task Texts_wait_for_the_end_of_the_patients_quiet_hours(string? zone, string system, int hour, int sendHour)
    {
        var day = new DateTimeOffset(2030, 3, 4, 0, 0, 0, TimeSpan.Zero);
        var data = new NotificationData(clock: new Microsoft.Extensions.Time.Testing.FakeTimeProvider(day.AddHours(hour)));
        _hosts.Add(data);
        await data.PatientAsync("p1", zone, (system, system == "sms" ? "+15555550100" : "pat@example.org", null, null));
        await data.AppointmentAsync("a1", "p1", "booked", InTenDays);

        if (sendHour > hour)
        {
            Assert.Equal(0, await data.DispatchAsync());
            data.Clock.SetUtcNow(day.AddHours(sendHour).AddSeconds(-1));
            Assert.Equal(0, await data.DispatchAsync());
            var held = Assert.Single(await data.NoticesAsync());
            Assert.Equal("preparation", (string?)held["status"]);
            Assert.Equal(0, Attempts(held)); // delayed, not a failed attempt
            data.Clock.SetUtcNow(day.AddHours(sendHour));
        }
        Assert.Equal(1, await data.DispatchAsync());
    }

    [Fact]
    public async Task A_patient_without_email_or_mobile_gets_the_notice_recorded_as_not_done()
    {
        var data = Host();
        await data.PatientAsync("p1", ("phone", "+15555550100", 1, "home"));
        await data.AppointmentAsync("a1", "p1", "booked", InTenDays);

        var notice = Assert.Single(await data.NoticesAsync());
        Assert.Equal("not-done", (string?)notice["status"]);
        Assert.Contains("No email address or mobile number", (string?)notice["statusReason"]!["text"]);
        Assert.Equal(0, await data.DispatchAsync());
    }

    [Fact]
    public async Task A_dead_SMTP_server_neither_fails_the_write_nor_loses_the_notice_it_is_retried_with_back_off_then_not_done()
    {
        var data = Host(new Dictionary<string, string?>
        {
            ["FhirPortal:Auth:Mail:SmtpHost"] = "127.0.0.1",
            ["FhirPortal:Auth:Mail:SmtpPort"] = ClosedPort().ToString(),
            ["FhirPortal:Auth:Mail:SmtpSecurity"] = "None",
            ["FhirPortal:Notifications:MaxAttempts"] = "3",
            ["FhirPortal:Notifications:RetryDelay"] = "00:01:00",
        });
        await data.PatientAsync("p1", ("email", "pat@example.org", null, null));
        Assert.Equal(HttpStatusCode.Created, (await data.AppointmentAsync("a1", "p1", "booked", InTenDays)).StatusCode);

        // Attempt 1 now, attempt 2 one minute later, attempt 3 two minutes after that; nothing in between.
        var attempts = 0;
        foreach (var (delay, status) in new[] { (0, "preparation"), (60, "preparation"), (120, "not-done") })
        {
            if (delay > 0)
            {
                data.Clock.Advance(TimeSpan.FromSeconds(delay - 1));
                await data.DispatchAsync();
                Assert.Equal(attempts, Attempts(Assert.Single(await data.NoticesAsync())));
                data.Clock.Advance(TimeSpan.FromSeconds(1));
            }
            Assert.Equal(0, await data.DispatchAsync());
            var notice = Assert.Single(await data.NoticesAsync());
            Assert.Equal(++attempts, Attempts(notice));
            Assert.Equal(status, (string?)notice["status"]);
        }
        var failed = Assert.Single(await data.NoticesAsync());
        Assert.StartsWith("Not sent after 3 attempts", (string?)failed["statusReason"]!["text"]);
        data.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await data.DispatchAsync());
    }

    [Fact]
    public async Task Racing_dispatchers_send_a_notice_exactly_once()
    {
        var data = Host();
        await data.PatientAsync("p1", ("email", "pat@example.org", null, null));
        for (var i = 0; i < 5; i++) await data.AppointmentAsync($"a{i}", "p1", "booked", InTenDays.AddHours(i));

        var sent = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(data.DispatchAsync)));

        Assert.Equal(5, sent.Sum());
        Assert.Equal(5, NotificationData.Files(data.MailFolder).Length);
        Assert.All(await data.NoticesAsync(), n => Assert.Equal("completed", (string?)n["status"]));
    }

    [Fact]
    public async Task A_notice_claimed_by_an_instance_that_died_is_sent_after_the_claim_lease_ends()
    {
        var data = Host(new Dictionary<string, string?> { ["FhirPortal:Notifications:ClaimLease"] = "00:05:00" });
        await data.PatientAsync("p1", ("email", "pat@example.org", null, null));
        await data.AppointmentAsync("a1", "p1", "booked", InTenDays);
        // What a claim leaves behind when its instance dies before recording: in-progress, due when the lease ends.
        var claimed = Assert.Single(await data.NoticesAsync()).AsObject();
        claimed["status"] = "in-progress";
        claimed["extension"]!.AsArray().Single(e => (string?)e!["url"] == NoticeOutbox.DueExtension)!["valueDateTime"] = NotificationData.Start.AddMinutes(5).ToString("yyyy-MM-ddTHH:mm:ssZ");
        Assert.Equal(HttpStatusCode.OK, (await data.Client.PutAsync($"Communication/{claimed["id"]}", Fhir.Body(claimed))).StatusCode);

        Assert.Equal(0, await data.DispatchAsync());
        data.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, await data.DispatchAsync());
        Assert.Single(NotificationData.Files(data.MailFolder));
    }

    private static int Attempts(JsonNode notice) =>
        (int)notice["extension"]!.AsArray().Single(e => (string?)e!["url"] == NoticeOutbox.AttemptsExtension)!["valueInteger"]!;

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
