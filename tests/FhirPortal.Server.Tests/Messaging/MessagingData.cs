using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Access;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FhirPortal.Server.Tests.Messaging;

/// <summary>
/// A host with security on and the care teams of two patients (the Patient resources need not exist): p1's team has Practitioner dr1 and
/// PractitionerRole role-nurse (of Practitioner nurse); p2's team has dr2. PractitionerRole role-dr1 is dr1's pool,
/// role-dr2 dr2's. Builders for portal messages and the clients of each side.
/// </summary>
public sealed class MessagingData : IDisposable
{
    /// <summary>The server's fake clock: Friday 2030-03-08 15:00 UTC.</summary>
    public static readonly DateTimeOffset Now = new(2030, 3, 8, 15, 0, 0, TimeSpan.Zero);

    public MessagingData(IDictionary<string, string?>? settings = null)
    {
        Clock = new FakeTimeProvider(Now);
        Host = AccessHost.Create(settings, s => s.AddSingleton<TimeProvider>(Clock));
        Staff = Host.SystemClient();
    }

    public FakeTimeProvider Clock { get; }

    public FhirPortalHost Host { get; }

    /// <summary>A backend client (imports, integrations): system/*.cruds.</summary>
    public HttpClient Staff { get; }

    public void Dispose() => Host.Dispose();

    /// <summary>A patient's app: its own messages, care teams and attachments.</summary>
    public HttpClient PatientApp(string patient) =>
        Host.ClientWith("patient/Communication.cruds patient/CareTeam.rs patient/Binary.cruds patient/Task.rs", patient: patient);

    /// <summary>A practitioner signed in to the staff portal.</summary>
    public HttpClient PractitionerUser(string practitioner) =>
        Host.ClientWith("user/Communication.cruds user/Binary.cruds user/Task.cruds user/Patient.rs user/CareTeam.rs user/PractitionerRole.rs", fhirUser: $"Practitioner/{practitioner}");

    /// <summary>Sends <paramref name="message"/> with <paramref name="client"/> and returns the stored message.</summary>
    public static async Task<JsonObject> SendAsync(HttpClient client, JsonObject message) =>
        await CreatedAsync(await client.PostAsync("Communication", Fhir.Body(message)));

    /// <summary>A reply to <paramref name="answered"/> (inResponseTo).</summary>
    public static JsonObject Reply(JsonObject answered, string patient, string sender, params string[] recipients)
    {
        var reply = Message(patient, sender, recipients);
        reply["inResponseTo"] = new JsonArray(new JsonObject { ["reference"] = $"Communication/{answered["id"]}" });
        return reply;
    }

    /// <summary>Stores the practitioners, roles and care teams the summary names.</summary>
    public async Task SeedAsync()
    {
        JsonObject[] resources =
        [
            Resource("Practitioner", "dr1"), Resource("Practitioner", "dr2"), Resource("Practitioner", "nurse"),
            Role("role-dr1", "dr1"), Role("role-dr2", "dr2"), Role("role-nurse", "nurse"),
            Team("team-p1", "p1", "Practitioner/dr1", "PractitionerRole/role-nurse"),
            Team("team-p2", "p2", "Practitioner/dr2"),
        ];
        var entries = new JsonArray([.. resources.Select(r => (JsonNode)new JsonObject
        {
            ["resource"] = r,
            ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"{r["resourceType"]}/{r["id"]}" },
        })]);
        var response = await Staff.PostAsync("", Fhir.Body(new JsonObject { ["resourceType"] = "Bundle", ["type"] = "transaction", ["entry"] = entries }));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A portal message (profile portal-communication) from <paramref name="sender"/> to the recipients.</summary>
    public static JsonObject Message(string patient, string sender, params string[] recipients) => new()
    {
        ["resourceType"] = "Communication",
        ["meta"] = new JsonObject { ["profile"] = new JsonArray("http://fhirportal.org/fhir/StructureDefinition/portal-communication") },
        ["status"] = "completed",
        ["category"] = new JsonArray(new JsonObject
        {
            ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://fhirportal.org/fhir/CodeSystem/portal-message-category", ["code"] = "general" }),
        }),
        ["subject"] = new JsonObject { ["reference"] = $"Patient/{patient}" },
        ["sender"] = new JsonObject { ["reference"] = sender },
        ["recipient"] = new JsonArray([.. recipients.Select(r => (JsonNode)new JsonObject { ["reference"] = r })]),
        ["payload"] = new JsonArray(new JsonObject { ["contentString"] = "Since the visit I have been dizzy in the mornings. Is that expected?" }),
    };

    /// <summary>A message the response says was created; returns it.</summary>
    public static async Task<JsonObject> CreatedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>The first diagnostics of an OperationOutcome answer.</summary>
    public static async Task<string> DiagnosticsAsync(HttpResponseMessage response)
    {
        var body = await response.ReadJsonAsync();
        Assert.Equal("OperationOutcome", (string?)body["resourceType"]);
        return (string?)body["issue"]![0]!["diagnostics"] ?? "";
    }

    private static JsonObject Resource(string type, string id) => new() { ["resourceType"] = type, ["id"] = id };

    private static JsonObject Role(string id, string practitioner) => new()
    {
        ["resourceType"] = "PractitionerRole", ["id"] = id,
        ["practitioner"] = new JsonObject { ["reference"] = $"Practitioner/{practitioner}" },
    };

    private static JsonObject Team(string id, string patient, params string[] members) => new()
    {
        ["resourceType"] = "CareTeam", ["id"] = id, ["status"] = "active",
        ["subject"] = new JsonObject { ["reference"] = $"Patient/{patient}" },
        ["participant"] = new JsonArray([.. members.Select(m => (JsonNode)new JsonObject { ["member"] = new JsonObject { ["reference"] = m } })]),
    };
}
