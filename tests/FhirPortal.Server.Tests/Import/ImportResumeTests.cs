using System.Net;
using FhirPortal.Server.Tests.DataGen;
using FhirPortal.Server.Tests.Operations;

namespace FhirPortal.Server.Tests.Import;

/// <summary>An import job is a background job: it survives a restart without writing anything twice, and DELETE stops it.</summary>
public sealed class ImportResumeTests
{
    private const int Lines = 1000;
    private static readonly Dictionary<string, string?> SmallBatches = new() { ["FhirPortal:Import:BatchSize"] = "10" };

    [Fact]
    public async Task A_job_stopped_by_a_restart_resumes_on_the_next_host_and_writes_every_line_once()
    {
        string directory, status;
        using (var first = new FhirPortalHost(settings: SmallBatches) { KeepData = true })
        {
            directory = first.DataDirectory;
            var client = first.CreateFhirClient();
            status = await BulkClient.StartAsync(client, "$import", ImportClient.Manifest(("Observation", WriteObservations(first))));
            await WaitForProgressAsync(client, status);
        }
        try
        {
            using var second = new FhirPortalHost(directory, SmallBatches);
            var client = second.CreateFhirClient();
            var result = await BulkClient.WaitAsync(client, status);

            Assert.Equal(Lines, ImportClient.Counts(result)["Observation"]);
            Assert.Empty(await ImportClient.ErrorsAsync(client, result));
            Assert.Equal(Lines, await GeneratedDataLoadTests.CountAsync(client, "Observation"));
            // Every resource has one version: no batch was committed twice.
            Assert.Equal(Lines, await HistoryCountAsync(client));
        }
        finally
        {
            FhirPortalHost.TryDelete(directory);
        }
    }

    [Fact]
    public async Task Deleting_a_running_job_stops_it_and_its_status_then_answers_404()
    {
        using var host = new FhirPortalHost(settings: SmallBatches);
        var client = host.CreateFhirClient();
        var status = await BulkClient.StartAsync(client, "$import", ImportClient.Manifest(("Observation", WriteObservations(host))));
        await WaitForProgressAsync(client, status);

        Assert.Equal(HttpStatusCode.Accepted, (await client.DeleteAsync(status)).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(status)).StatusCode);
        var stopped = await GeneratedDataLoadTests.CountAsync(client, "Observation");
        await Task.Delay(500);
        Assert.Equal(stopped, await GeneratedDataLoadTests.CountAsync(client, "Observation"));
        Assert.InRange(stopped, 1, Lines - 1);
    }

    internal static string WriteObservations(FhirPortalHost host) =>
        ImportClient.WriteFile(host, "observations.ndjson", Enumerable.Range(0, Lines)
            .Select(i => $$$"""{"resourceType":"Observation","id":"o{{{i}}}","status":"final","code":{"text":"weight {{{i}}}"}}""")
            .ToArray());

    /// <summary>Waits until the job has committed something but is still running.</summary>
    private static async Task WaitForProgressAsync(HttpClient client, string status)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < until)
        {
            var response = await client.GetAsync(status);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            if (!response.Headers.GetValues("X-Progress").Single().StartsWith("0 ", StringComparison.Ordinal)) return;
            await Task.Delay(10);
        }
        throw new TimeoutException("the import made no progress");
    }

    /// <summary>How many versions of Observations the server holds (the type's history, all pages).</summary>
    internal static async Task<int> HistoryCountAsync(HttpClient client)
    {
        var versions = 0;
        string? next = "Observation/_history?_count=500";
        while (next is not null)
        {
            var page = await (await client.GetAsync(next)).ReadJsonAsync();
            versions += page["entry"]?.AsArray().Count ?? 0;
            next = page["link"]!.AsArray().FirstOrDefault(l => (string)l!["relation"]! == "next")?["url"]?.GetValue<string>();
        }
        return versions;
    }
}
