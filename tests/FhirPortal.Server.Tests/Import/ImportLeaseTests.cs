using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core.Jobs;
using FhirPortal.Server.Tests.DataGen;
using FhirPortal.Server.Tests.Operations;
using FhirPortal.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Import;

/// <summary>
/// Two instances on one store and data folder with a 3 s job lease: an import whose instance stops dead midway is
/// taken over by the other from its last checkpoint and finishes with every line imported once by the job.
/// </summary>
public sealed class ImportLeaseTests : IDisposable
{
    private const int Lines = 1000, BatchSize = 10;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["FhirPortal:Import:BatchSize"] = $"{BatchSize}",
        ["FhirPortal:Jobs:LeaseDuration"] = Lease.ToString(),
        ["FhirPortal:Jobs:PollInterval"] = "00:00:00.200",
    };

    private readonly FhirPortalHost _a;
    private readonly FhirPortalHost _b;
    private FreezableStore? _storeA;

    public ImportLeaseTests()
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
    public async Task An_import_whose_instance_stops_dead_is_finished_by_the_other_from_its_last_checkpoint()
    {
        var (a, b) = (_a.CreateFhirClient(), _b.CreateFhirClient());
        var input = ImportResumeTests.WriteObservations(_a);
        _ = await a.GetAsync("metadata"); // builds A's services, so its store can be set to freeze
        _storeA!.FreezeAfterJobSaves(20); // the kick-off, the claim and 18 batches
        var status = await BulkClient.StartAsync(a, "$import", ImportClient.Manifest(("Observation", input)));
        var id = status.Split('/')[^1];
        await _storeA.Frozen.WaitAsync(TimeSpan.FromMinutes(1));

        var instanceB = _b.Services.GetRequiredService<JobLeasing>().Instance;
        var watch = Stopwatch.StartNew();
        while (await LeaseHolderAsync(id) != instanceB)
        {
            Assert.True(watch.Elapsed < Lease * 10, $"B did not take the job over in {watch.Elapsed}");
            await Task.Delay(50);
        }
        _storeA.Thaw();

        var result = await BulkClient.WaitAsync(b, status);
        Assert.Equal(Lines, ImportClient.Counts(result)["Observation"]);
        Assert.Empty(await ImportClient.ErrorsAsync(b, result));
        Assert.Equal(Lines, await GeneratedDataLoadTests.CountAsync(b, "Observation"));
        Assert.Equal(0, _storeA.JobSavesAfterThaw); // the stale owner's checkpoint was refused
        // At most one batch is written twice: the one A had begun when it froze (same ids and content, a second version).
        Assert.InRange(await ImportResumeTests.HistoryCountAsync(b), Lines, Lines + BatchSize);
    }

    private async Task<string?> LeaseHolderAsync(string id)
    {
        var job = await _b.Services.GetRequiredService<IResourceStore>().ReadJobAsync(id, CancellationToken.None);
        return (string?)JsonNode.Parse(job!.State)!["Lease"]?["Instance"];
    }
}
