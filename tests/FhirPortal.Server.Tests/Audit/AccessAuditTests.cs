using System.Net;
using FhirPortal.Core.Serialization;
using FhirPortal.Server.Tests.Operations;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Tests.Audit;

/// <summary>One secured host with auditing on and p1/p2 seeded, shared by the access audit tests.</summary>
public sealed class AuditData : IAsyncLifetime
{
    public FhirPortalHost Host { get; } = AuditHost.Create();

    public System.Threading.Tasks.Task InitializeAsync() => AuditHost.SeedAsync(Host);

    public System.Threading.Tasks.Task DisposeAsync()
    {
        Host.Dispose();
        return System.Threading.Tasks.Task.CompletedTask;
    }
}

/// <summary>
/// Every read of patient data leaves an AuditEvent (DICOM/HL7 type rest, restful-interaction subtype) naming the user,
/// the app, the network address, the outcome and the patients concerned. Each case uses its own app (client_id), so
/// the events it waits for are its own.
/// </summary>
public sealed class AccessAuditTests(AuditData data) : IClassFixture<AuditData>
{
    private const string Practitioner = "Practitioner/dr-jones";

    [Theory]
    [InlineData("Patient/p1", "read", "Patient/p1/_history/1", "Patient/p1")]
    [InlineData("Observation/o1", "read", "Observation/o1/_history/1", "Patient/p1")]
    [InlineData("Patient/p1/_history/1", "vread", "Patient/p1/_history/1", "Patient/p1")]
    [InlineData("Observation?subject=Patient/p2", "search-type", "Observation/o2/_history/1", "Patient/p2")]
    [InlineData("Patient/p1/Observation", "search-type", "Observation/o1/_history/1", "Patient/p1")]
    [InlineData("Observation/o2/_history", "history-instance", "Observation/o2/_history/1", "Patient/p2")]
    [InlineData("Patient/p1/$everything", "operation", "Observation/o1/_history/1", "Patient/p1")]
    [InlineData("Patient/p1/$summary", "operation", "Patient/p1/_history/1", "Patient/p1")]
    [InlineData("Observation/$lastn?patient=p1", "operation", "Observation/o1/_history/1", "Patient/p1")]
    public async System.Threading.Tasks.Task A_practitioners_read_is_recorded_with_user_app_address_outcome_and_patient(
        string url, string subtype, string entity, string patient)
    {
        var app = "app-" + Guid.NewGuid().ToString("N");
        var response = await data.Host.Client("user/*.rs", app, fhirUser: Practitioner, userName: "dr.jones").GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var audit = Assert.Single(await AuditHost.WaitForAsync(data.Host, app));
        Assert.Equal("rest", audit.Type.Code);
        Assert.Equal("http://terminology.hl7.org/CodeSystem/audit-event-type", audit.Type.System);
        Assert.Equal(("http://hl7.org/fhir/restful-interaction", subtype), (audit.Subtype.Single().System, audit.Subtype.Single().Code));
        Assert.Equal(subtype == "operation" ? AuditEvent.AuditEventAction.E : AuditEvent.AuditEventAction.R, audit.Action);
        Assert.Equal(AuditEvent.AuditEventOutcome.N0, audit.Outcome);
        var user = Assert.Single(audit.Agent, a => a.Requestor == true);
        Assert.Equal((Practitioner, "dr.jones"), (user.Who?.Reference, user.Name));
        Assert.Equal(AuditHost.ClientAddress, user.Network?.Address);
        var client = Assert.Single(audit.Agent, a => a.Requestor == false);
        Assert.Equal(app, client.Who?.Identifier?.Value);
        Assert.Equal(url, AuditHost.Query(audit));
        Assert.Contains(audit.Entity, e => e.What?.Reference == entity);
        Assert.Equal([patient], AuditHost.Patients(audit));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_refused_read_is_recorded_as_a_failure_concerning_the_patient_asked_for()
    {
        var app = "app-" + Guid.NewGuid().ToString("N");
        var response = await data.Host.Client("patient/*.rs", app, patient: "p1", fhirUser: "Patient/p1", userName: "pat").GetAsync("Patient/p2");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);

        var audit = Assert.Single(await AuditHost.WaitForAsync(data.Host, app));
        Assert.Equal(AuditEvent.AuditEventOutcome.N4, audit.Outcome);
        Assert.False(string.IsNullOrEmpty(audit.OutcomeDesc));
        Assert.Equal(["Patient/p2"], AuditHost.Patients(audit));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_backend_apps_read_names_the_app_as_requestor()
    {
        var app = "app-" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK, (await data.Host.Client("system/*.rs", app).GetAsync("Observation/o2")).StatusCode);

        var audit = Assert.Single(await AuditHost.WaitForAsync(data.Host, app));
        var requestor = Assert.Single(audit.Agent);
        Assert.True(requestor.Requestor);
        Assert.Equal(app, requestor.Who?.Identifier?.Value);
        Assert.Equal(["Patient/p2"], AuditHost.Patients(audit));
    }

    [Theory]
    [InlineData("Practitioner?_count=1")]
    [InlineData("metadata")]
    [InlineData("AuditEvent?patient=p1")]
    public async System.Threading.Tasks.Task Reads_of_data_about_no_patient_and_of_the_audit_log_itself_are_not_recorded(string url)
    {
        var app = "app-" + Guid.NewGuid().ToString("N");
        var client = data.Host.Client("patient/*.rs", app, patient: "p1", fhirUser: "Patient/p1");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);
        // A later audited read of the same app is stored after the unaudited one would have been (one queue, in order).
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Patient/p1")).StatusCode);

        var audit = Assert.Single(await AuditHost.WaitForAsync(data.Host, app));
        Assert.Equal("Patient/p1", AuditHost.Query(audit));
    }

    [Theory]
    [InlineData("Observation?subject=Patient/p1,Patient/p2")]
    [InlineData("Patient?_id=p1,p2")]
    public async System.Threading.Tasks.Task A_search_touching_two_patients_shows_each_patient_only_their_own_entities(string url)
    {
        var app = "app-" + Guid.NewGuid().ToString("N");
        var response = await data.Host.Client("user/*.rs", app, fhirUser: Practitioner, userName: "dr.jones").GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // One copy per patient, each naming the request by its path only.
        var audits = await AuditHost.WaitForAsync(data.Host, app, 2);
        Assert.Equal([["Patient/p1"], ["Patient/p2"]], audits.Select(AuditHost.Patients).OrderBy(p => p[0]));
        Assert.All(audits, a => Assert.Equal(url.Split('?')[0], AuditHost.Query(a)));
        foreach (var (own, other) in new[] { ("p1", "p2"), ("p2", "p1") })
        {
            var patient = data.Host.Client("patient/*.rs", "app-" + Guid.NewGuid().ToString("N"), patient: own, fhirUser: $"Patient/{own}");
            var found = await patient.GetAsync($"AuditEvent?patient=Patient/{own}&agent-name={app}");
            Assert.Equal(HttpStatusCode.OK, found.StatusCode);
            var bundle = (Bundle)FhirParser.ParseStored(await found.Content.ReadAsByteArrayAsync());
            var audit = Assert.Single(bundle.Entry.Select(e => e.Resource).OfType<AuditEvent>());
            Assert.Equal([$"Patient/{own}"], AuditHost.Patients(audit));
            Assert.Contains(audit.Entity, e => e.What?.Reference?.StartsWith(url.StartsWith("Patient", StringComparison.Ordinal) ? $"Patient/{own}/" : $"Observation/o{own[1]}/", StringComparison.Ordinal) == true);
            var json = System.Text.Encoding.UTF8.GetString(FhirSerializer.ToJsonBytes(audit));
            Assert.DoesNotContain(other, json, StringComparison.Ordinal);
            Assert.DoesNotContain($"o{other[1]}", json, StringComparison.Ordinal);
            Assert.Null(audit.Entity.Single(e => e.Role?.Code == "24").Query);
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task An_export_kick_off_and_each_file_download_are_recorded()
    {
        var app = "app-" + Guid.NewGuid().ToString("N");
        var client = data.Host.Client("system/*.rs", app);
        var status = await BulkClient.StartAsync(client, "Patient/$export?_type=Patient,Observation&patient=Patient/p1");
        var manifest = await BulkClient.WaitAsync(client, status);
        var files = manifest.GetProperty("output").EnumerateArray().Select(o => o.GetProperty("url").GetString()!).ToList();
        Assert.NotEmpty(files);
        await BulkClient.ReadOutputAsync(client, manifest);

        // Accesses of one patient by one app within a flush share an AuditEvent: count the requests recorded, not the events.
        var audits = await AuditHost.WaitForAsync(data.Host, app, done: e => e.Sum(a => AuditHost.Queries(a).Count) >= 1 + files.Count);
        var queries = audits.SelectMany(AuditHost.Queries).ToList();
        Assert.Equal(1 + files.Count, queries.Count);
        Assert.All(audits, a => Assert.Equal(("operation", AuditEvent.AuditEventAction.E), (a.Subtype.Single().Code, a.Action)));
        Assert.All(audits, a => Assert.Equal(["Patient/p1"], AuditHost.Patients(a)));
        Assert.Single(queries, q => q.Contains("Patient/$export"));
        foreach (var file in files)
            Assert.Single(queries, q => file.EndsWith(q, StringComparison.Ordinal));
    }
}

/// <summary>Compliance export: administrators $export the AuditEvents; other backends get none of them.</summary>
public sealed class AuditExportTests(AuditData data) : IClassFixture<AuditData>
{
    [Fact]
    public async System.Threading.Tasks.Task An_administrator_exports_the_access_audit_and_another_backend_cannot()
    {
        var app = "app-" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK, (await data.Host.Client("system/*.rs", app).GetAsync("Patient/p1")).StatusCode);
        await AuditHost.WaitForAsync(data.Host, app);

        var admin = data.Host.Admin();
        var manifest = await BulkClient.WaitAsync(admin, await BulkClient.StartAsync(admin, "$export?_type=AuditEvent"));
        var exported = await BulkClient.ReadOutputAsync(admin, manifest);
        Assert.Contains(exported["AuditEvent"], a => a.GetRawText().Contains(app, StringComparison.Ordinal));

        var backend = data.Host.Client("system/*.rs", "app-" + Guid.NewGuid().ToString("N"));
        var response = await BulkClient.KickOffAsync(backend, "$export?_type=AuditEvent");
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            var other = await BulkClient.ReadOutputAsync(backend, await BulkClient.WaitAsync(backend, response.Content.Headers.ContentLocation!.ToString()));
            Assert.False(other.ContainsKey("AuditEvent"), "a backend without the admin claim exports no AuditEvents");
        }
        else Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
