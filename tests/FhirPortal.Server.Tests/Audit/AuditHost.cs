using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using FhirPortal.Core.Serialization;
using FhirPortal.Server.Tests.Access;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Audit;

/// <summary>
/// A secured host with read auditing on (test hosts keep it off) and a short flush interval, clients whose tokens name
/// a user and a client app, and the polling that waits for the asynchronously written AuditEvents.
/// </summary>
public static class AuditHost
{
    /// <param name="services">Further test services (e.g. a fake clock).</param>
    public static FhirPortalHost Create(string? dataDirectory = null, Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) =>
        new(dataDirectory, new Dictionary<string, string?>(settings ?? [])
        {
            ["FhirPortal:Security:Enabled"] = "true",
            ["FhirPortal:Security:ValidationScheme"] = TestTokenHandler.SchemeName,
            ["FhirPortal:Audit:Reads"] = "true",
            ["FhirPortal:Audit:FlushInterval"] = settings?.GetValueOrDefault("FhirPortal:Audit:FlushInterval") ?? "00:00:00.050",
        })
        {
            TestServices = s =>
            {
                s.AddAuthentication()
                    .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, TestTokenHandler>(TestTokenHandler.SchemeName, _ => { });
                s.AddSingleton<IStartupFilter>(new FromClientAddress());
                services?.Invoke(s);
            },
        };

    /// <summary>The address every test request comes from (the in-process test server sets none).</summary>
    public const string ClientAddress = "203.0.113.7";

    private sealed class FromClientAddress : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, rest) =>
            {
                context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(ClientAddress);
                return rest(context);
            });
            next(app);
        };
    }

    /// <summary>A client whose token carries these scopes, app, and optionally a launch patient, fhirUser and account name.</summary>
    public static HttpClient Client(this FhirPortalHost host, string scopes, string clientId, string? patient = null, string? fhirUser = null, string? userName = null)
    {
        var token = TestTokenHandler.Token(scopes, patient, fhirUser, clientId);
        if (userName is not null) token += "&name=" + Uri.EscapeDataString(userName);
        var client = host.CreateFhirClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A portal administrator's client: it may read every AuditEvent.</summary>
    public static HttpClient Admin(this FhirPortalHost host)
    {
        var client = host.CreateFhirClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            TestTokenHandler.Token("system/AuditEvent.rs system/Patient.rs", clientId: "audit-admin") + "&fhirportal_admin=true");
        return client;
    }

    /// <summary>Seeds Patients p1 and p2 and an Observation of each (o1 of p1, o2 of p2).</summary>
    public static async System.Threading.Tasks.Task SeedAsync(FhirPortalHost host)
    {
        var system = host.SystemClient();
        foreach (var id in new[] { "p1", "p2" })
            (await system.PutAsync($"Patient/{id}", Fhir.Body(new JsonObject { ["resourceType"] = "Patient", ["id"] = id }))).EnsureSuccessStatusCode();
        foreach (var (id, patient) in new[] { ("o1", "p1"), ("o2", "p2") })
            (await system.PutAsync($"Observation/{id}", Fhir.Body(new JsonObject
            {
                ["resourceType"] = "Observation", ["id"] = id, ["status"] = "final",
                ["code"] = new JsonObject { ["text"] = "weight" },
                ["subject"] = new JsonObject { ["reference"] = $"Patient/{patient}" },
            }))).EnsureSuccessStatusCode();
    }

    /// <summary>
    /// The AuditEvents whose app agent is <paramref name="clientId"/>, once at least <paramref name="count"/> are stored
    /// (polled; they are written off the request path) and, if given, <paramref name="done"/> holds; fails after the timeout.
    /// </summary>
    public static async Task<List<AuditEvent>> WaitForAsync(FhirPortalHost host, string clientId, int count = 1, string query = "",
        Func<List<AuditEvent>, bool>? done = null)
    {
        var admin = host.Admin();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var response = await admin.GetAsync($"AuditEvent?agent-name={Uri.EscapeDataString(clientId)}&_count=200{query}");
            response.EnsureSuccessStatusCode();
            var bundle = (Bundle)FhirParser.ParseStored(await response.Content.ReadAsByteArrayAsync());
            var events = bundle.Entry.Select(e => e.Resource).OfType<AuditEvent>().ToList();
            if (events.Count >= count && (done is null || done(events))) return events;
            if (DateTime.UtcNow > until) throw new TimeoutException($"{events.Count} of {count} AuditEvents of {clientId} were stored in time.");
            await System.Threading.Tasks.Task.Delay(50);
        }
    }

    /// <summary>The ids of the entities with role Patient (object-role 1).</summary>
    public static List<string> Patients(AuditEvent audit) =>
        [.. audit.Entity.Where(e => e.Role?.Code == "1").Select(e => e.What?.Reference ?? "").Order()];

    /// <summary>Every query entity's description: the requests an event records (several when accesses were aggregated).</summary>
    public static List<string> Queries(AuditEvent audit) =>
        [.. audit.Entity.Where(e => e.Role?.Code == "24").Select(e => e.Description ?? "")];

    /// <summary>Every returned version an event names (object-role 4).</summary>
    public static List<string> Versions(AuditEvent audit) =>
        [.. audit.Entity.Where(e => e.Role?.Code == "4").Select(e => e.What?.Reference ?? "")];

    /// <summary>The query entity's description (the request as the client made it).</summary>
    public static string? Query(AuditEvent audit) => audit.Entity.FirstOrDefault(e => e.Role?.Code == "24")?.Description;
}
