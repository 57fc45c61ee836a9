using System.Net;
using System.Net.Http.Headers;
using FhirPortal.Core.Serialization;
using FhirPortal.Server.Tests.Access;
using FhirPortal.Server.Tests.Operations;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Tests.Audit;

/// <summary>
/// The access log is not part of a patient's record: $everything and Patient/Group $export leave the patient's
/// AuditEvents out (every $everything is audited, so returning them would grow each next answer); a Patient export
/// names them in _type to get them, and a system export keeps every type.
/// </summary>
public sealed class AuditOutsideRecordTests(AuditData data) : IClassFixture<AuditData>
{
    /// <summary>An administrator (who may read every AuditEvent) with every system scope.</summary>
    private HttpClient Administrator(string app)
    {
        var client = data.Host.CreateFhirClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            TestTokenHandler.Token("system/*.rs", clientId: app) + "&fhirportal_admin=true");
        return client;
    }

    /// <summary>Reads p1 with a new app and waits until its AuditEvent about p1 is stored.</summary>
    private async Task<string> AuditedReadOfP1Async()
    {
        var app = "app-" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK, (await data.Host.Client("system/*.rs", app).GetAsync("Patient/p1")).StatusCode);
        await AuditHost.WaitForAsync(data.Host, app);
        return app;
    }

    [Fact]
    public async System.Threading.Tasks.Task Everything_returns_the_record_without_the_patients_AuditEvents()
    {
        await AuditedReadOfP1Async();
        var admin = Administrator("audit-admin-everything");
        var found = (Bundle)FhirParser.ParseStored(await (await admin.GetAsync("AuditEvent?patient=p1")).Content.ReadAsByteArrayAsync());
        Assert.NotEmpty(found.Entry);

        var response = await admin.GetAsync("Patient/p1/$everything?_count=1000");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = (Bundle)FhirParser.ParseStored(await response.Content.ReadAsByteArrayAsync());
        var types = record.Entry.Select(e => e.Resource!.TypeName).ToList();
        Assert.Contains("Observation", types);
        Assert.DoesNotContain("AuditEvent", types);

        var asked = await admin.GetAsync("Patient/p1/$everything?_type=Observation,AuditEvent");
        Assert.Equal(HttpStatusCode.BadRequest, asked.StatusCode);
        Assert.Contains("AuditEvent?patient=", await asked.Content.ReadAsStringAsync());
    }

    [Fact]
    public async System.Threading.Tasks.Task Readers_named_only_by_the_patients_AuditEvents_are_not_part_of_the_record()
    {
        // An AuditEvent's agent is the reader: were AuditEvents members whose references count, every reader would join the record.
        var reader = "dr-reader-" + Guid.NewGuid().ToString("N")[..8];
        (await data.Host.SystemClient().PutAsync($"Practitioner/{reader}",
            Fhir.Body(new System.Text.Json.Nodes.JsonObject { ["resourceType"] = "Practitioner", ["id"] = reader }))).EnsureSuccessStatusCode();
        var app = "app-" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK,
            (await data.Host.Client("user/*.rs", app, fhirUser: $"Practitioner/{reader}", userName: reader).GetAsync("Patient/p1")).StatusCode);
        var events = await AuditHost.WaitForAsync(data.Host, app);
        Assert.Contains(events.SelectMany(e => e.Agent), a => a.Who?.Reference == $"Practitioner/{reader}");
        var admin = Administrator("audit-admin-readers");

        var record = (Bundle)FhirParser.ParseStored(await (await admin.GetAsync("Patient/p1/$everything?_count=1000")).Content.ReadAsByteArrayAsync());
        Assert.DoesNotContain(record.Entry, e => e.Resource is Practitioner { Id: var id } && id == reader);
        var exported = await ExportAsync(admin, "Patient/$export?patient=Patient/p1");
        Assert.DoesNotContain(exported.GetValueOrDefault("Practitioner") ?? [], r => r.GetProperty("id").GetString() == reader);
        // Asked for, the access log brings the resources it names.
        var withLog = await ExportAsync(admin, "Patient/$export?patient=Patient/p1&_type=AuditEvent,Practitioner");
        Assert.Contains(withLog["Practitioner"], r => r.GetProperty("id").GetString() == reader);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_patient_export_has_AuditEvents_only_when_type_names_them_and_a_system_export_always()
    {
        await AuditedReadOfP1Async();
        var admin = Administrator("audit-admin-export");

        var record = await ExportAsync(admin, "Patient/$export?patient=Patient/p1");
        Assert.True(record.ContainsKey("Observation"));
        Assert.False(record.ContainsKey("AuditEvent"), "a patient export without _type leaves the access log out");

        var audit = await ExportAsync(admin, "Patient/$export?patient=Patient/p1&_type=Patient,AuditEvent");
        Assert.NotEmpty(audit["AuditEvent"]);

        var system = await ExportAsync(admin, "$export");
        Assert.NotEmpty(system["AuditEvent"]);

        var filtered = await BulkClient.KickOffAsync(admin, "Patient/$export?_typeFilter=" + Uri.EscapeDataString("AuditEvent?subtype=read"));
        Assert.Equal(HttpStatusCode.BadRequest, filtered.StatusCode);
    }

    private static async Task<Dictionary<string, List<System.Text.Json.JsonElement>>> ExportAsync(HttpClient client, string url) =>
        await BulkClient.ReadOutputAsync(client, await BulkClient.WaitAsync(client, await BulkClient.StartAsync(client, url)));
}
