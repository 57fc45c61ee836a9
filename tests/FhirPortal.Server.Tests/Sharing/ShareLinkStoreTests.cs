using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core.Sharing;
using FhirPortal.Storage;
using Microsoft.Extensions.DependencyInjection;

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
        var otherInstance = new ShareLinkStore(data.Host.Services.GetRequiredService<IResourceStore>());
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
        var stored = await new ShareLinkStore(data.Host.Services.GetRequiredService<IResourceStore>())
            .ReadAsync(ShareLinkData.Links(created).Single()["id"], CancellationToken.None);
        Assert.Equal(ShareLinkManifests.MaxTickets, stored!.Tickets.Count);
        var recipient = data.Host.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await recipient.GetAsync(locations[0])).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await recipient.GetAsync(locations[^1])).StatusCode);
    }
}
