using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using FhirPortal.Core.Notifications;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Benchmarks;

/// <summary>
/// Issue 20's notification throughput (<c>--notifications [--appointments N]</c>, default 100,000): N booked
/// appointments whose 24-hour reminders all fall due within one hour, then the reminder scan (reminders queued/s) and
/// the dispatcher (reminders sent to the file senders and recorded as completed Communications, per second), run in
/// process on SQLite with the clock moved past the reminder times. Rewrites only its own section of BENCHMARKS.md.
/// </summary>
internal static class NotificationBenchmark
{
    private const string Start = "<!-- notification benchmark: written by --notifications, kept by full runs -->";
    private const string End = "<!-- end of notification benchmark -->";
    private const int AppointmentsPerPatient = 10, BundleSize = 500;

    public static async Task RunAsync(string root, string temp, BenchmarkOptions options, int appointments)
    {
        var clock = new MovableClock();
        // The content root WebApplicationFactory would guess from the solution layout; a console app has no test manifest.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_FHIRPORTAL_SERVER", Path.Combine(root, "src", "FhirPortal.Server"));
        await using var host = new NotificationHost(Path.Combine(temp, "notifications"), clock);
        using var client = host.CreateFhirClient();
        var t0 = clock.GetUtcNow();
        var patients = (appointments + AppointmentsPerPatient - 1) / AppointmentsPerPatient;
        var load = Stopwatch.StartNew();
        // Half the patients by email, half by text: both file senders do their share.
        await PostAsync(client, Enumerable.Range(0, patients).Select(Patient));
        await PostAsync(client, Enumerable.Range(0, appointments).Select(i => Appointment(i, i % patients, t0 + TimeSpan.FromHours(25) + TimeSpan.FromSeconds(3600.0 * i / appointments))));
        Console.WriteLine(Invariant($"Loaded {patients:N0} patients and {appointments:N0} appointments in {load.Elapsed.TotalSeconds:F0} s."));

        var services = host.Services;
        var reminders = services.GetRequiredService<AppointmentReminders>();
        var dispatcher = services.GetRequiredService<NotificationDispatcher>();
        // Booking an appointment stages its confirmation: send those first, so the timed rounds hold only reminders.
        while (await dispatcher.RunOnceAsync(CancellationToken.None) > 0) { }
        var before = Count(Path.Combine(host.DataDirectory, "mail")) + Count(Path.Combine(host.DataDirectory, "sms"));

        // Two hours on, every appointment's 24-hour reminder is due (and written after the appointment).
        clock.Shift = TimeSpan.FromHours(2);
        var queue = Stopwatch.StartNew();
        var queued = await reminders.RunOnceAsync(CancellationToken.None);
        queue.Stop();
        var send = Stopwatch.StartNew();
        var sent = 0;
        for (int round; (round = await dispatcher.RunOnceAsync(CancellationToken.None)) > 0;) sent += round;
        send.Stop();
        var files = Count(Path.Combine(host.DataDirectory, "mail")) + Count(Path.Combine(host.DataDirectory, "sms")) - before;
        if (queued != appointments || sent != appointments || files != appointments)
            throw new InvalidOperationException(Invariant($"Expected {appointments} reminders: queued {queued}, sent {sent}, files {files}."));

        var table = new Table("Notifications (issue 20)",
            Invariant($"{appointments:N0} booked appointments ({patients:N0} patients, half by email and half by text) whose 24-hour reminders all fall due within one hour; ") +
            "one reminder scan queues them (outbox Communications, one commit each), then the dispatcher claims, sends to the file senders " +
            "(.eml and .txt in the data folder) and records each as a completed Communication. In process, SQLite, one worker. " +
            Invariant($"{Environment.ProcessorCount} cores shared with other builds and test runs (1-minute load average {ReportWriter.LoadAverage():F1} at the end): a loaded machine, so figures are low bounds."),
            "appointments", "step", "notices", "seconds", "notices/s");
        table.Add(Invariant($"{appointments:N0}"), "reminders queued", Invariant($"{queued:N0}"), Fmt.F(queue.Elapsed.TotalSeconds), Fmt.N0(queued / queue.Elapsed.TotalSeconds));
        table.Add(Invariant($"{appointments:N0}"), "sent + recorded", Invariant($"{sent:N0}"), Fmt.F(send.Elapsed.TotalSeconds), Fmt.N0(sent / send.Elapsed.TotalSeconds));
        Console.WriteLine(table.Markdown());
        if (options.Write) WriteSection(Path.Combine(root, "BENCHMARKS.md"), table.Markdown());
    }

    private static async Task PostAsync(HttpClient client, IEnumerable<JsonObject> resources)
    {
        foreach (var chunk in resources.Chunk(BundleSize))
        {
            var bundle = new JsonObject
            {
                ["resourceType"] = "Bundle", ["type"] = "batch",
                ["entry"] = new JsonArray([.. chunk.Select(r => (JsonNode)new JsonObject
                {
                    ["resource"] = r,
                    ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"{r["resourceType"]}/{r["id"]}" },
                })]),
            };
            using var response = await client.PostAsync("", new StringContent(bundle.ToJsonString(), Encoding.UTF8, "application/fhir+json"));
            var body = await response.Content.ReadAsStringAsync();
            // Only an entry's own response.status says whether it failed (a resource may hold "status" fields of its own).
            var failed = response.IsSuccessStatusCode
                ? JsonNode.Parse(body)?["entry"]?.AsArray().FirstOrDefault(e => e?["response"]?["status"]?.GetValue<string>() is not ['2', ..])
                : null;
            if (!response.IsSuccessStatusCode || failed is not null)
                throw new InvalidOperationException($"Loading failed: {(int)response.StatusCode} {(failed?.ToJsonString() ?? body)[..Math.Min((failed?.ToJsonString() ?? body).Length, 2000)]}");
        }
    }

    private static JsonObject Patient(int i) => new()
    {
        ["resourceType"] = "Patient", ["id"] = $"nb-{i}",
        ["name"] = new JsonArray(new JsonObject { ["family"] = "Bench", ["given"] = new JsonArray($"P{i}") }),
        ["telecom"] = new JsonArray(i % 2 == 0
            ? new JsonObject { ["system"] = "email", ["value"] = $"p{i}@example.org" }
            : new JsonObject { ["system"] = "phone", ["use"] = "mobile", ["value"] = Invariant($"+1201555{i % 10000:D4}") }),
    };

    private static JsonObject Appointment(int i, int patient, DateTimeOffset start) => new()
    {
        ["resourceType"] = "Appointment", ["id"] = $"na-{i}", ["status"] = "booked",
        ["start"] = start.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        // A patient's appointments start 60 / AppointmentsPerPatient minutes apart; shorter visits never overlap (the booking rules refuse that).
        ["end"] = start.AddMinutes(5).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["participant"] = new JsonArray(new JsonObject { ["actor"] = new JsonObject { ["reference"] = $"Patient/nb-{patient}" }, ["status"] = "accepted" }),
    };

    private static int Count(string folder) => Directory.Exists(folder) ? Directory.GetFiles(folder).Length : 0;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Replaces this benchmark's section of BENCHMARKS.md (added at the end the first time).</summary>
    private static void WriteSection(string path, string body)
    {
        var text = File.Exists(path) ? File.ReadAllText(path) : "";
        var section = $"{Start}\n{body.TrimEnd()}\n{End}\n";
        var (from, to) = (text.IndexOf(Start, StringComparison.Ordinal), text.IndexOf(End, StringComparison.Ordinal));
        text = from >= 0 && to > from ? text[..from] + section + text[(to + End.Length)..].TrimStart('\n') : text.TrimEnd() + "\n\n" + section;
        File.WriteAllText(path, text);
        Console.WriteLine($"Wrote the notification section of {path}");
    }

    /// <summary>The section as it stands in <paramref name="path"/>, or empty (full runs keep it).</summary>
    public static string Existing(string path)
    {
        if (!File.Exists(path)) return "";
        var text = File.ReadAllText(path);
        var (from, to) = (text.IndexOf(Start, StringComparison.Ordinal), text.IndexOf(End, StringComparison.Ordinal));
        return from >= 0 && to > from ? text[from..(to + End.Length)] + "\n" : "";
    }

    /// <summary>The system clock moved on by <see cref="Shift"/>: reminders fall due without waiting for them.</summary>
    private sealed class MovableClock : TimeProvider
    {
        public TimeSpan Shift { get; set; }
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Shift;
    }

    /// <summary>The server in process on SQLite: no background worker (the benchmark drives it), no SMTP or Twilio (file senders), no quiet hours.</summary>
    private sealed class NotificationHost(string data, TimeProvider clock) : WebApplicationFactory<Program>
    {
        public string DataDirectory => data;

        public HttpClient CreateFhirClient()
        {
            var client = CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost/fhir"), AllowAutoRedirect = false });
            client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
            client.Timeout = TimeSpan.FromMinutes(10);
            return client;
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in new Dictionary<string, string>
            {
                ["FhirPortal:DataDirectory"] = data,
                ["FhirPortal:Security:Enabled"] = "false",
                ["FhirPortal:ProfilesDirectory"] = "",
                ["FhirPortal:Validation:RequireProfiles"] = "",
                ["FhirPortal:Notifications:Background"] = "false",
                ["FhirPortal:Notifications:QuietHoursStart"] = "00:00:00",
                ["FhirPortal:Notifications:QuietHoursEnd"] = "00:00:00",
                ["FhirPortal:Audit:Reads"] = "false",
                ["Logging:LogLevel:Default"] = "Warning",
            }) builder.UseSetting(key, value);
            builder.ConfigureTestServices(s => s.AddSingleton(clock));
        }
    }
}
