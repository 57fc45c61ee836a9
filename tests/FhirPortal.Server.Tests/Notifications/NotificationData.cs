using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FhirPortal.Server.Tests.Notifications;

/// <summary>
/// A host (security off) on a fake clock starting at <see cref="Start"/>, with patients, booked appointments and the
/// notification pipeline's rounds (<see cref="DispatchAsync"/>, <see cref="QueueRemindersAsync"/>) run by hand.
/// </summary>
public sealed class NotificationData : IDisposable
{
    public static readonly DateTimeOffset Start = new(2030, 3, 4, 8, 0, 0, TimeSpan.Zero);

    public NotificationData(IDictionary<string, string?>? settings = null, string? dataDirectory = null, FakeTimeProvider? clock = null)
    {
        Clock = clock ?? new FakeTimeProvider(Start);
        Host = new FhirPortalHost(dataDirectory, settings) { TestServices = s => s.AddSingleton<TimeProvider>(Clock) };
        Client = Host.CreateFhirClient();
    }

    public FakeTimeProvider Clock { get; }
    public FhirPortalHost Host { get; }
    public HttpClient Client { get; }

    public string MailFolder => Path.Combine(Host.DataDirectory, "mail");
    public string SmsFolder => Path.Combine(Host.DataDirectory, "sms");

    public void Dispose() => Host.Dispose();

    public Task<int> DispatchAsync() => Host.Services.GetRequiredService<NotificationDispatcher>().RunOnceAsync(CancellationToken.None);

    public Task<int> QueueRemindersAsync() => Host.Services.GetRequiredService<AppointmentReminders>().RunOnceAsync(CancellationToken.None);

    /// <summary>A patient with the given telecom entries: (system, value, rank, use).</summary>
    public Task PatientAsync(string id, params (string System, string Value, int? Rank, string? Use)[] telecom) => PatientAsync(id, null, telecom);

    /// <summary>A patient in a time zone (the <c>timezone</c> extension, IANA) with the given telecom entries.</summary>
    public async Task PatientAsync(string id, string? timeZone, params (string System, string Value, int? Rank, string? Use)[] telecom)
    {
        var patient = new JsonObject
        {
            ["resourceType"] = "Patient", ["id"] = id,
            // What the portal-patient profile requires, so tests may run with the shipped validation settings.
            ["identifier"] = new JsonArray(new JsonObject
            {
                ["type"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/v2-0203", ["code"] = "MR" }) },
                ["system"] = "http://hospital.example.org/mrn", ["value"] = id,
            }),
            ["name"] = new JsonArray(new JsonObject { ["family"] = "Doe", ["given"] = new JsonArray("Jane") }),
            ["gender"] = "female", ["birthDate"] = "1980-02-03",
            ["telecom"] = new JsonArray([.. telecom.Select(t => (JsonNode)new JsonObject
            {
                ["system"] = t.System, ["value"] = t.Value,
                ["rank"] = t.Rank is { } r ? JsonValue.Create(r) : null,
                ["use"] = t.Use,
            })]),
        };
        if (timeZone is not null)
            patient["extension"] = new JsonArray(new JsonObject { ["url"] = "http://hl7.org/fhir/StructureDefinition/timezone", ["valueCode"] = timeZone });
        foreach (var point in patient["telecom"]!.AsArray().Select(p => p!.AsObject()))
            foreach (var empty in point.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList()) point.Remove(empty);
        Assert.Equal(HttpStatusCode.Created, (await Client.PutAsync($"Patient/{id}", Fhir.Body(patient))).StatusCode);
    }

    /// <summary>Writes an appointment of <paramref name="patient"/> (no slot) with the given status and start; returns the response.</summary>
    public Task<HttpResponseMessage> AppointmentAsync(string id, string patient, string status, DateTimeOffset start) =>
        Client.PutAsync($"Appointment/{id}", Fhir.Body(new JsonObject
        {
            ["resourceType"] = "Appointment", ["id"] = id, ["status"] = status,
            ["start"] = start.ToString("yyyy-MM-ddTHH:mm:sszzz"),
            ["end"] = start.AddMinutes(30).ToString("yyyy-MM-ddTHH:mm:sszzz"),
            ["participant"] = new JsonArray(new JsonObject { ["actor"] = new JsonObject { ["reference"] = $"Patient/{patient}" }, ["status"] = "accepted" }),
        }));

    /// <summary>The server's notices (oldest first).</summary>
    public async Task<List<JsonNode>> NoticesAsync(string? more = null)
    {
        var bundle = await (await Client.GetAsync($"Communication?identifier={NoticeOutbox.IdentifierSystem}|&_sort=_lastUpdated&_count=100{more}")).ReadJsonAsync();
        return bundle["entry"]?.AsArray().Select(e => e!["resource"]!).ToList() ?? [];
    }

    public static string[] Files(string folder) => Directory.Exists(folder) ? [.. Directory.GetFiles(folder).Order()] : [];
}
