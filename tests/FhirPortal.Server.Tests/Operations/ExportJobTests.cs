using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Operations;

/// <summary>Bulk Data export jobs on their own hosts: restart, cancel, file split, Group export, and kick-off errors.</summary>
public sealed class ExportJobTests
{
    private const int Patients = 400, ObservationsPerPatient = 4;

    [Fact]
    public async Task Export_job_started_before_a_restart_completes_after_it_with_every_resource_once_in_split_files()
    {
        var settings = new Dictionary<string, string?> { ["FhirPortal:Export:PageSize"] = "1", ["FhirPortal:Export:MaxFileBytes"] = "8192" };
        string directory, status;
        using (var first = new FhirPortalHost(settings: settings) { KeepData = true })
        {
            directory = first.DataDirectory;
            var client = first.CreateFhirClient();
            await LoadAsync(client);
            status = await BulkClient.StartAsync(client, "$export?_type=Patient,Observation");
            // Stop while the job runs: it has exported something but is not done.
            while (true)
            {
                var response = await client.GetAsync(status);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                if (!response.Headers.GetValues("X-Progress").Single().StartsWith("0 ", StringComparison.Ordinal)) break;
                await Task.Delay(20);
            }
        }
        try
        {
            using var second = new FhirPortalHost(directory, settings);
            var client = second.CreateFhirClient();
            var manifest = await BulkClient.WaitAsync(client, status);
            var exported = await BulkClient.ReadOutputAsync(client, manifest);

            Assert.Equal(Patients, exported["Patient"].Select(BulkClient.Key).Distinct().Count());
            Assert.Equal(Patients, exported["Patient"].Count);
            Assert.Equal(Patients * ObservationsPerPatient, exported["Observation"].Select(BulkClient.Key).Distinct().Count());
            Assert.Equal(Patients * ObservationsPerPatient, exported["Observation"].Count);
            var files = manifest.GetProperty("output").EnumerateArray().ToList();
            Assert.True(files.Count(f => f.GetProperty("type").GetString() == "Observation") > 1, "the Observation output is split");
            foreach (var file in Directory.GetFiles(Path.Combine(directory, "export"), "*.ndjson", SearchOption.AllDirectories))
                Assert.True(new FileInfo(file).Length <= 8192, $"{file} is {new FileInfo(file).Length} bytes");
        }
        finally
        {
            FhirPortalHost.TryDelete(directory);
        }
    }

    [Fact]
    public async Task Deleting_an_export_job_removes_its_files_and_its_status_then_answers_404()
    {
        using var host = new FhirPortalHost();
        var client = host.CreateFhirClient();
        await LoadAsync(client, patients: 5);
        var status = await BulkClient.StartAsync(client, "$export");
        var manifest = await BulkClient.WaitAsync(client, status);
        var file = manifest.GetProperty("output")[0].GetProperty("url").GetString()!;
        var folder = Path.Combine(host.DataDirectory, "export", status.Split('/')[^1]);
        Assert.NotEmpty(Directory.GetFiles(folder));

        Assert.Equal(HttpStatusCode.Accepted, (await client.DeleteAsync(status)).StatusCode);

        Assert.False(Directory.Exists(folder));
        var gone = await client.GetAsync(status);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await gone.ReadJsonAsync())["resourceType"]);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(file)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync(status)).StatusCode);
    }

    [Fact]
    public async Task Cancelling_a_running_export_stops_it_and_removes_its_files()
    {
        using var host = new FhirPortalHost(settings: new Dictionary<string, string?> { ["FhirPortal:Export:PageSize"] = "1" });
        var client = host.CreateFhirClient();
        await LoadAsync(client, patients: 200);
        var status = await BulkClient.StartAsync(client, "$export");
        Assert.Equal(HttpStatusCode.Accepted, (await client.GetAsync(status)).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await client.DeleteAsync(status)).StatusCode);

        Assert.False(Directory.Exists(Path.Combine(host.DataDirectory, "export", status.Split('/')[^1])));
        await Task.Delay(200);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(status)).StatusCode);
    }

    [Fact]
    public async Task Group_export_holds_only_the_members_records_and_type_filters_narrow_it()
    {
        using var host = new FhirPortalHost();
        var client = host.CreateFhirClient();
        await LoadAsync(client, patients: 3);
        var group = new JsonObject
        {
            ["resourceType"] = "Group", ["id"] = "g1", ["type"] = "person", ["actual"] = true,
            ["member"] = new JsonArray(new JsonObject { ["entity"] = new JsonObject { ["reference"] = "Patient/p1" } },
                new JsonObject { ["entity"] = new JsonObject { ["reference"] = "Device/d9" } }),
        };
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("Group/g1", Fhir.Body(group))).StatusCode);

        var manifest = await BulkClient.WaitAsync(client, await BulkClient.StartAsync(client, "Group/g1/$export?_typeFilter=Observation%3Fcode%3D1-0%2C1-2,Observation%3Fcode%3D1-3"));
        var exported = await BulkClient.ReadOutputAsync(client, manifest);

        Assert.Equal(["Patient/p1"], exported["Patient"].Select(BulkClient.Key));
        Assert.Equal(["Observation/p1-o0", "Observation/p1-o2", "Observation/p1-o3"], exported["Observation"].Select(BulkClient.Key).Order(StringComparer.Ordinal));
        // The Group is in p1's compartment itself (R4: Group.member).
        Assert.Equal(["Group/g1"], exported["Group"].Select(BulkClient.Key));
        Assert.Equal(["Group", "Observation", "Patient"], exported.Keys.Order(StringComparer.Ordinal));
        var error = manifest.GetProperty("error").EnumerateArray().Single();
        var outcome = JsonNode.Parse((await client.GetStringAsync(error.GetProperty("url").GetString())).Split('\n')[0])!;
        Assert.Contains("Device/d9", (string?)outcome["issue"]![0]!["diagnostics"]);
    }

    [Theory]
    [InlineData("$export", null, "Prefer")]
    [InlineData("$export?_outputFormat=text/csv", "respond-async", "_outputFormat")]
    [InlineData("$export?_type=Observation,Nonsense", "respond-async", "Nonsense")]
    [InlineData("$export?includeAssociatedData=LatestProvenanceResources", "respond-async", "includeAssociatedData")]
    [InlineData("$export?_typeFilter=Observation%3Fnot-a-parameter%3Dx", "respond-async", "not-a-parameter")]
    [InlineData("$export?_type=Patient&_typeFilter=Observation%3Fcode%3Dx", "respond-async", "_type")]
    [InlineData("$export?_typeFilter=Observation%3Fcode%3Dx%26_sort%3Ddate", "respond-async", "_sort")]
    [InlineData("$export?patient=Patient/p1", "respond-async", "patient")]
    [InlineData("$export?_since=yesterday", "respond-async", "_since")]
    [InlineData("$export?_elements=id", "respond-async", "_elements")]
    public async Task Kick_off_with_unsupported_input_is_a_400_operation_outcome_naming_it(string url, string? prefer, string named)
    {
        using var host = new FhirPortalHost();
        var client = host.CreateFhirClient();
        var response = prefer is null ? await client.GetAsync(url) : await client.SendAsync(HttpMethod.Get, url, null, ("Prefer", prefer));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var outcome = await response.ReadJsonAsync();
        Assert.Equal("OperationOutcome", (string?)outcome["resourceType"]);
        Assert.Contains(named, (string?)outcome["issue"]![0]!["diagnostics"]);
    }

    [Fact]
    public async Task Group_export_of_an_unknown_group_is_404_and_everything_of_an_unknown_patient_is_404()
    {
        using var host = new FhirPortalHost();
        var client = host.CreateFhirClient();
        Assert.Equal(HttpStatusCode.NotFound, (await BulkClient.KickOffAsync(client, "Group/none/$export")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("Patient/none/$everything")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("Patient/$everything?start=soon")).StatusCode);
    }

    /// <summary>Patients p0.. with Observations p0-o0.. (code "1-k"), in one transaction.</summary>
    private static async Task LoadAsync(HttpClient client, int patients = Patients)
    {
        var entries = new JsonArray();
        for (var p = 0; p < patients; p++)
        {
            entries.Add(Put(new JsonObject { ["resourceType"] = "Patient", ["id"] = $"p{p}", ["name"] = new JsonArray(new JsonObject { ["family"] = $"Family{p}" }) }));
            for (var o = 0; o < ObservationsPerPatient; o++)
                entries.Add(Put(new JsonObject
                {
                    ["resourceType"] = "Observation", ["id"] = $"p{p}-o{o}", ["status"] = "final",
                    ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = $"1-{o}" }) },
                    ["subject"] = new JsonObject { ["reference"] = $"Patient/p{p}" },
                    ["valueQuantity"] = new JsonObject { ["value"] = o, ["unit"] = "mg" },
                }));
        }
        var bundle = new JsonObject { ["resourceType"] = "Bundle", ["type"] = "transaction", ["entry"] = entries };
        var response = await client.SendAsync(HttpMethod.Post, "", Fhir.Body(bundle), ("Prefer", "return=minimal"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static JsonObject Put(JsonObject resource) => new()
    {
        ["resource"] = resource,
        ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"{resource["resourceType"]}/{resource["id"]}" },
    };
}
