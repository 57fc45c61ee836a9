using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Access;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FhirPortal.Server.Tests.Scheduling;

/// <summary>
/// A host with security on and a fake clock at <see cref="Now"/> (Monday 2030-03-04 08:00 UTC), plus builders for
/// schedules, slots and the $hold/$book requests of the scheduling tests.
/// </summary>
public sealed class SchedulingData : IDisposable
{
    public static readonly DateTimeOffset Now = new(2030, 3, 4, 8, 0, 0, TimeSpan.Zero);

    public SchedulingData(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        Clock = new FakeTimeProvider(Now);
        Host = AccessHost.Create(settings, s => { s.AddSingleton<TimeProvider>(Clock); services?.Invoke(s); });
        Staff = Host.SystemClient();
    }

    public FakeTimeProvider Clock { get; }
    public FhirPortalHost Host { get; }

    /// <summary>A backend (staff) client: system/*.cruds.</summary>
    public HttpClient Staff { get; }

    /// <summary>A patient's app: it may find and book appointments of its own patient, read slots, its audit trail and messages.</summary>
    public HttpClient PatientApp(string patient) =>
        Host.ClientWith("patient/Appointment.cruds patient/Slot.rs patient/Schedule.rs patient/AuditEvent.rs patient/Communication.rs", patient: patient);

    public void Dispose() => Host.Dispose();

    /// <summary>A schedule of <paramref name="practitioner"/> and one 30-minute free slot per start, ids <c>{schedule}-{n}</c>.</summary>
    public async Task SlotsAsync(string schedule, string practitioner, params DateTimeOffset[] starts)
    {
        var entries = new JsonArray
        {
            Put(new JsonObject
            {
                ["resourceType"] = "Schedule", ["id"] = schedule,
                ["actor"] = new JsonArray(new JsonObject { ["reference"] = $"Practitioner/{practitioner}" }),
            }),
        };
        for (var i = 0; i < starts.Length; i++)
            entries.Add(Put(new JsonObject
            {
                ["resourceType"] = "Slot", ["id"] = $"{schedule}-{i}",
                ["schedule"] = new JsonObject { ["reference"] = $"Schedule/{schedule}" },
                ["status"] = "free",
                ["start"] = starts[i].ToString("yyyy-MM-ddTHH:mm:sszzz"),
                ["end"] = starts[i].AddMinutes(30).ToString("yyyy-MM-ddTHH:mm:sszzz"),
            }));
        var response = await Staff.PostAsync("", Fhir.Body(new JsonObject { ["resourceType"] = "Bundle", ["type"] = "transaction", ["entry"] = entries }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>A proposed appointment (as $find returns one) of <paramref name="patient"/> in the given slots.</summary>
    public static JsonObject Proposal(string patient, params string[] slots) => new()
    {
        ["resourceType"] = "Appointment",
        ["status"] = "proposed",
        ["slot"] = new JsonArray([.. slots.Select(s => (JsonNode)new JsonObject { ["reference"] = $"Slot/{s}" })]),
        ["participant"] = new JsonArray(new JsonObject { ["actor"] = new JsonObject { ["reference"] = $"Patient/{patient}" }, ["status"] = "accepted" }),
    };

    public static StringContent WithResource(JsonObject appointment) => Fhir.Body(new JsonObject
    {
        ["resourceType"] = "Parameters",
        ["parameter"] = new JsonArray(new JsonObject { ["name"] = "appointment-resource", ["resource"] = appointment.DeepClone() }),
    });

    public static StringContent WithReference(string id) => Fhir.Body(new JsonObject
    {
        ["resourceType"] = "Parameters",
        ["parameter"] = new JsonArray(new JsonObject { ["name"] = "appointment-reference", ["valueReference"] = new JsonObject { ["reference"] = $"Appointment/{id}" } }),
    });

    /// <summary>The Appointment in a $hold/$book answer (a searchset Bundle), asserting it succeeded.</summary>
    public static async Task<JsonObject> AppointmentOfAsync(HttpResponseMessage response)
    {
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body.ToJsonString()}");
        Assert.Equal("Bundle", (string?)body["resourceType"]);
        return body["entry"]![0]!["resource"]!.AsObject();
    }

    public async Task<string> SlotStatusAsync(string slot) =>
        (string)(await (await Staff.GetAsync($"Slot/{slot}")).ReadJsonAsync())["status"]!;

    public async Task<JsonObject> ReadAsync(string reference) => (await (await Staff.GetAsync(reference)).ReadJsonAsync()).AsObject();

    /// <summary>A client-side read of an OperationOutcome's first diagnostics.</summary>
    public static async Task<string> DiagnosticsAsync(HttpResponseMessage response)
    {
        var body = await response.ReadJsonAsync();
        Assert.Equal("OperationOutcome", (string?)body["resourceType"]);
        return (string?)body["issue"]![0]!["diagnostics"] ?? "";
    }

    private static JsonObject Put(JsonObject resource) => new()
    {
        ["resource"] = resource,
        ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"{resource["resourceType"]}/{resource["id"]}" },
    };
}
