using System.Net;
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Tests.Audit;

/// <summary>
/// A clean shutdown writes every queued access before the host stops; nothing waits for the next flush. A batch the
/// store refuses for a moment is written on a later attempt, once.
/// </summary>
public sealed class AuditQueueRestartTests
{
    [Fact]
    public async System.Threading.Tasks.Task A_batch_the_store_refuses_twice_is_stored_on_the_third_attempt_exactly_once()
    {
        var app = "app-" + Guid.NewGuid().ToString("N");
        Operations.FreezableStore? store = null;
        using var host = AuditHost.Create(services: Operations.FreezableStore.Install(s => store = s));
        await AuditHost.SeedAsync(host);
        store!.FailCommits("AuditEvent", 2);

        Assert.Equal(HttpStatusCode.OK, (await host.Client("user/*.rs", app, fhirUser: "Practitioner/dr-jones").GetAsync("Patient/p1")).StatusCode);

        // Two failed attempts wait 1 s and 2 s before the third; the poll allows a minute.
        var audits = await AuditHost.WaitForAsync(host, app);
        Assert.Equal(["Patient/p1"], audits.SelectMany(AuditHost.Versions).Select(v => v.Split("/_history/")[0]));
    }

    [Fact]
    public async System.Threading.Tasks.Task Accesses_queued_before_a_clean_stop_are_in_the_store_after_a_restart()
    {
        var app = "app-" + Guid.NewGuid().ToString("N");
        string directory;
        // A flush interval far longer than the test: after the first batch, later reads wait in the queue until the stop.
        using (var first = AuditHost.Create(settings: new() { ["FhirPortal:Audit:FlushInterval"] = "00:00:10" }))
        {
            first.KeepData = true;
            directory = first.DataDirectory;
            await AuditHost.SeedAsync(first);
            var client = first.Client("user/*.rs", app, fhirUser: "Practitioner/dr-jones");
            foreach (var url in new[] { "Patient/p1", "Patient/p2", "Observation/o1", "Observation/o2", "Observation?subject=Patient/p1" })
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);
        }

        using var second = AuditHost.Create(directory);
        try
        {
            var response = await second.Admin().GetAsync($"AuditEvent?agent-name={app}&_count=100");
            response.EnsureSuccessStatusCode();
            var bundle = (Bundle)FhirParser.ParseStored(await response.Content.ReadAsByteArrayAsync());
            // Every access is there exactly once (an aggregated event lists each access, so one queued twice shows twice);
            // reads of one patient's records queued in one flush may share an event.
            var audits = bundle.Entry.Select(e => e.Resource).OfType<AuditEvent>().ToList();
            var read = audits.Where(a => a.Subtype.Single().Code == "read").SelectMany(AuditHost.Versions).Select(v => v.Split("/_history/")[0]);
            Assert.Equal(["Observation/o1", "Observation/o2", "Patient/p1", "Patient/p2"], read.Order(StringComparer.Ordinal));
            Assert.Single(audits.SelectMany(AuditHost.Queries), q => q == "Observation?subject=Patient/p1");
        }
        finally
        {
            second.KeepData = false;
        }
    }
}
