using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core.Jobs;
using FhirPortal.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Operations;

/// <summary>
/// Two instances on one store and export folder (two hosts on one data folder) with a 3 s job lease: an export runs on
/// the instance that started it only; when that instance stops dead the other takes the job over from its last
/// checkpoint and finishes it with every resource exactly once, and the stale owner writes nothing when it wakes up;
/// a DELETE through the other instance stops the owner and removes the files.
/// </summary>
public sealed class ExportLeaseTests : IDisposable
{
    private const int Patients = 600;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["FhirPortal:Export:PageSize"] = "1",
        ["FhirPortal:Jobs:LeaseDuration"] = Lease.ToString(),
        ["FhirPortal:Jobs:PollInterval"] = "00:00:00.200",
    };

    private readonly FhirPortalHost _a;
    private readonly FhirPortalHost _b;
    private FreezableStore? _storeA;

    public ExportLeaseTests()
    {
        _a = new FhirPortalHost(settings: Settings) { KeepData = true, TestServices = FreezableStore.Install(s => _storeA = s) };
        _b = new FhirPortalHost(_a.DataDirectory, Settings);
    }

    public void Dispose()
    {
        _storeA?.Thaw();
        _b.Dispose();
        _a.Dispose();
        FhirPortalHost.TryDelete(_a.DataDirectory);
    }

    [Fact]
    public async Task An_export_whose_instance_stops_dead_is_finished_by_the_other_with_every_resource_once_and_the_stale_owner_writes_nothing()
    {
        var (a, b) = (_a.CreateFhirClient(), _b.CreateFhirClient());
        await LoadAsync(a);
        // A stops dead after its 100th job save (the kick-off, the claim and about 98 pages).
        _storeA!.FreezeAfterJobSaves(100);
        var status = await BulkClient.StartAsync(a, "$export?_type=Patient");
        var id = status.Split('/')[^1];
        var (instanceA, instanceB) = (Instance(_a), Instance(_b));

        await _storeA.Frozen.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(instanceA, await LeaseHolderAsync(id)); // the instance that started it ran it; B only read the status
        Assert.Equal(HttpStatusCode.Accepted, (await b.GetAsync(status)).StatusCode);

        // B takes over once A's lease has run out (lease + poll interval, with room for a loaded machine).
        var watch = Stopwatch.StartNew();
        while (await LeaseHolderAsync(id) != instanceB)
        {
            Assert.True(watch.Elapsed < Lease * 10, $"B did not take the job over in {watch.Elapsed}");
            await Task.Delay(50);
        }
        // A wakes up while B runs the job: its pending checkpoint is refused and it stops without writing.
        _storeA.Thaw();

        var manifest = await BulkClient.WaitAsync(b, status);
        var exported = await BulkClient.ReadOutputAsync(b, manifest);
        Assert.Equal(Patients, exported["Patient"].Count);
        Assert.Equal(Patients, exported["Patient"].Select(BulkClient.Key).Distinct().Count());
        Assert.Equal(0, _storeA.JobSavesAfterThaw);
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync(status)).StatusCode); // the finished job reads the same on A
    }

    [Fact]
    public async Task Deleting_an_export_through_the_other_instance_stops_its_owner_and_removes_the_files()
    {
        var (a, b) = (_a.CreateFhirClient(), _b.CreateFhirClient());
        await LoadAsync(a);
        _storeA!.FreezeAfterJobSaves(50);
        var status = await BulkClient.StartAsync(a, "$export?_type=Patient");
        var id = status.Split('/')[^1];
        await _storeA.Frozen.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(HttpStatusCode.Accepted, (await b.DeleteAsync(status)).StatusCode);
        _storeA.Thaw(); // well within its lease: A still believes it runs the job

        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync(status)).StatusCode);
        var folder = Path.Combine(_a.DataDirectory, "export", id);
        // A sees the cancellation at its next checkpoint (one page) and removes what it wrote in between.
        var watch = Stopwatch.StartNew();
        while (Directory.Exists(folder))
        {
            Assert.True(watch.Elapsed < Lease * 10, $"the owner did not stop and clean up in {watch.Elapsed}");
            await Task.Delay(50);
        }
        await Task.Delay(Lease); // and it stays stopped: no later page writes the folder again
        Assert.False(Directory.Exists(folder));
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync(status)).StatusCode);
    }

    private static string Instance(FhirPortalHost host) => host.Services.GetRequiredService<JobLeasing>().Instance;

    private async Task<string?> LeaseHolderAsync(string id)
    {
        var job = await _b.Services.GetRequiredService<IResourceStore>().ReadJobAsync(id, CancellationToken.None);
        return (string?)JsonNode.Parse(job!.State)!["Lease"]?["Instance"];
    }

    private static async Task LoadAsync(HttpClient client)
    {
        var entries = new JsonArray();
        for (var p = 0; p < Patients; p++)
            entries.Add(new JsonObject
            {
                ["resource"] = new JsonObject { ["resourceType"] = "Patient", ["id"] = $"p{p}", ["name"] = new JsonArray(new JsonObject { ["family"] = $"Family{p}" }) },
                ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"Patient/p{p}" },
            });
        var bundle = new JsonObject { ["resourceType"] = "Bundle", ["type"] = "transaction", ["entry"] = entries };
        var response = await client.SendAsync(HttpMethod.Post, "", Fhir.Body(bundle), ("Prefer", "return=minimal"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
