using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core.Sharing;
using FhirPortal.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace FhirPortal.Server.Tests.Sharing;

/// <summary>What a link's record in the job table keeps: a revocation that holds against stale writes, a bounded list of file locations.</summary>
public sealed class ShareLinkStoreTests(ShareLinkData data) : IClassFixture<ShareLinkData>
{
    [Fact]
    public async Task A_revocation_wins_over_a_stale_write_from_another_instance()
    {
        var patient = data.PatientApp("p1");
        var created = await (await ShareLinkData.CreateAsync(patient, "p1", ("expires", "valueInstant", data.In(TimeSpan.FromDays(1))))).ReadJsonAsync();
        var payload = ShareLinkData.Payload((string)created["parameter"]![0]!["valueString"]!);
        var id = ShareLinkData.Links(created).Single()["id"];

        // Another instance (its own store object and lock, the same database) reads the link for a manifest request,
        // the patient revokes it here, then the other instance writes back its counted use.
        var otherInstance = new ShareLinkStore(data.Host.Services.GetRequiredService<IResourceStore>(), NullLogger<ShareLinkStore>.Instance);
        var stale = (await otherInstance.ReadAsync(id, CancellationToken.None))!;
        var revoke = await patient.PostAsync("Patient/p1/$share-link-revoke", Fhir.Body(new JsonObject
        {
            ["resourceType"] = "Parameters", ["parameter"] = new JsonArray(new JsonObject { ["name"] = "id", ["valueString"] = id }),
        }));
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        await otherInstance.SaveAsync(id, stale with { Uses = stale.Uses + 1 }, CancellationToken.None);

        Assert.Equal(HttpStatusCode.NotFound, (await data.ManifestAsync(payload, new JsonObject { ["recipient"] = "after revocation" })).StatusCode);
        var listed = ShareLinkData.Links(await (await patient.GetAsync("Patient/p1/$share-links")).ReadJsonAsync());
        Assert.Equal("revoked", listed.Single(l => l["id"] == id)["status"]);
    }

    [Fact]
    public async Task A_change_that_finds_the_link_purged_since_it_read_it_does_not_bring_it_back()
    {
        var created = await (await ShareLinkData.CreateAsync(data.PatientApp("p1"), "p1", ("expires", "valueInstant", data.In(TimeSpan.FromDays(1))))).ReadJsonAsync();
        var id = ShareLinkData.Links(created).Single()["id"];
        var store = data.Host.Services.GetRequiredService<IResourceStore>();
        var links = new ShareLinkStore(store, NullLogger<ShareLinkStore>.Instance);

        // Between this change's read and its save, a purge (another instance) removes the link for good.
        var seen = new List<ShareLinkState?>();
        var answer = await links.ChangeAsync(id, state =>
        {
            seen.Add(state);
            if (seen.Count == 1) Assert.True(store.DeleteJobAsync(id, null, CancellationToken.None).GetAwaiter().GetResult());
            return state is null ? (null, "gone") : (state with { Uses = state.Uses + 1 }, "counted");
        }, CancellationToken.None);

        Assert.Equal("gone", answer);
        Assert.Equal(2, seen.Count);
        Assert.Null(seen[1]);
        Assert.Null(await store.ReadJobAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task Changes_racing_on_several_instances_count_exactly()
    {
        var created = await (await ShareLinkData.CreateAsync(data.PatientApp("p2"), "p2", ("expires", "valueInstant", data.In(TimeSpan.FromDays(1))))).ReadJsonAsync();
        var id = ShareLinkData.Links(created).Single()["id"];
        var store = data.Host.Services.GetRequiredService<IResourceStore>();
        var start = (await new ShareLinkStore(store, NullLogger<ShareLinkStore>.Instance).ReadAsync(id, CancellationToken.None))!;

        // Eight instances (own store object and gate each) take wrong passcodes and uses of one link at once.
        const int Instances = 8, Each = 4;
        await Task.WhenAll(Enumerable.Range(0, Instances).Select(_ => Task.Run(async () =>
        {
            var instance = new ShareLinkStore(store, NullLogger<ShareLinkStore>.Instance);
            for (var n = 0; n < Each; n++)
                await instance.ChangeAsync(id, state => (state! with { AttemptsLeft = state.AttemptsLeft - 1, Uses = state.Uses + 1 }, 0), CancellationToken.None);
        })));

        var end = (await new ShareLinkStore(store, NullLogger<ShareLinkStore>.Instance).ReadAsync(id, CancellationToken.None))!;
        Assert.Equal(start.AttemptsLeft - Instances * Each, end.AttemptsLeft);
        Assert.Equal(start.Uses + Instances * Each, end.Uses);
    }

    [Fact]
    public async Task A_link_keeps_at_most_MaxTickets_file_locations_the_newest_ones()
    {
        var created = await (await ShareLinkData.CreateAsync(data.PatientApp("p2"), "p2", ("expires", "valueInstant", data.In(TimeSpan.FromDays(1))))).ReadJsonAsync();
        var payload = ShareLinkData.Payload((string)created["parameter"]![0]!["valueString"]!);
        var locations = new List<string>();
        for (var i = 0; i < ShareLinkManifests.MaxTickets + 3; i++)
        {
            var manifest = await (await data.ManifestAsync(payload, new JsonObject { ["recipient"] = "ticket count", ["embeddedLengthMax"] = 10 })).ReadJsonAsync();
            locations.Add(new Uri((string)manifest["files"]![0]!["location"]!).PathAndQuery);
        }
        var stored = await new ShareLinkStore(data.Host.Services.GetRequiredService<IResourceStore>(), NullLogger<ShareLinkStore>.Instance)
            .ReadAsync(ShareLinkData.Links(created).Single()["id"], CancellationToken.None);
        Assert.Equal(ShareLinkManifests.MaxTickets, stored!.Tickets.Count);
        var recipient = data.Host.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await recipient.GetAsync(locations[0])).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await recipient.GetAsync(locations[^1])).StatusCode);
    }
}
