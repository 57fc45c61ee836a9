using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Rest;

public sealed class PersistenceTests
{
    [Fact]
    public async Task A_new_host_on_the_same_directory_sees_the_same_data()
    {
        string directory;
        Snapshot before;
        string kept, deleted, created;
        using (var first = new FhirPortalHost { KeepData = true })
        {
            directory = first.DataDirectory;
            var client = first.CreateFhirClient();
            var post = await client.PostAsync("Patient", Fhir.Body("""{"resourceType":"Patient","identifier":[{"system":"urn:sys","value":"keep"}],"name":[{"family":"Posted"}]}"""));
            Assert.Equal(HttpStatusCode.Created, post.StatusCode);
            created = (await post.ReadJsonAsync())["id"]!.GetValue<string>();

            kept = "kept";
            Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("Patient/kept", Patient("kept", "one", "keep"))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.PutAsync("Patient/kept", Patient("kept", "two", "keep"))).StatusCode);

            deleted = "gone";
            Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("Patient/gone", Patient("gone", "bye", "gone"))).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("Patient/gone")).StatusCode);

            before = await SnapshotAsync(client, created, kept, deleted);
        }

        try
        {
            Assert.True(Directory.Exists(directory));
            using var second = new FhirPortalHost(directory);
            var client = second.CreateFhirClient();
            var after = await SnapshotAsync(client, created, kept, deleted);

            Assert.Equal(before.Reads, after.Reads);
            Assert.Equal(before.VReads, after.VReads);
            Assert.Equal(before.Histories, after.Histories);
            Assert.Equal(before.Search, after.Search);

            // Spot checks on the content, not only on equality across the restart.
            Assert.Contains("\"family\":\"two\"", after.Reads[1]);
            Assert.Contains("410", after.Reads[2]);
            Assert.Equal(2, after.Search.Count);

            // The reopened store keeps counting versions where the old one stopped.
            var update = await client.PutAsync("Patient/kept", Patient("kept", "three", "keep"));
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
            Assert.Equal("W/\"3\"", update.Headers.ETag?.ToString());
            var recreate = await client.PutAsync("Patient/gone", Patient("gone", "back", "gone"));
            Assert.Equal(HttpStatusCode.Created, recreate.StatusCode);
            Assert.Equal("W/\"3\"", recreate.Headers.ETag?.ToString());
        }
        finally
        {
            FhirPortalHost.TryDelete(directory);
        }
        Assert.False(Directory.Exists(directory));
    }

    private sealed record Snapshot(List<string> Reads, List<string> VReads, List<string> Histories, List<string> Search);

    private static async Task<Snapshot> SnapshotAsync(HttpClient client, params string[] ids)
    {
        var reads = new List<string>();
        var vreads = new List<string>();
        var histories = new List<string>();
        foreach (var id in ids)
        {
            var read = await client.GetAsync($"Patient/{id}");
            reads.Add($"{(int)read.StatusCode} {read.Headers.ETag} {(read.StatusCode == HttpStatusCode.OK ? Canonical(await read.ReadJsonAsync()) : "")}");

            var history = await client.GetAsync($"Patient/{id}/_history");
            Assert.Equal(HttpStatusCode.OK, history.StatusCode);
            var entries = HistoryTests.Entries(await history.ReadJsonAsync());
            histories.Add(string.Join("\n", entries.Select(e => Canonical(Without(e, "fullUrl") ?? e))));
            for (var v = 1; v <= entries.Count; v++)
            {
                var vread = await client.GetAsync($"Patient/{id}/_history/{v}");
                vreads.Add($"{id}/{v} {(int)vread.StatusCode} {(vread.StatusCode == HttpStatusCode.OK ? Canonical(await vread.ReadJsonAsync()) : "")}");
            }
        }
        var system = await client.GetAsync("_history");
        histories.Add(string.Join("\n", HistoryTests.Entries(await system.ReadJsonAsync()).Select(Canonical)));

        var search = await client.GetAsync("Patient?identifier=urn:sys|keep");
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        var found = HistoryTests.Entries(await search.ReadJsonAsync()).Select(e => Canonical(e["resource"]!)).OrderBy(x => x).ToList();
        return new Snapshot(reads, vreads, histories, found);
    }

    private static JsonNode? Without(JsonNode node, string property)
    {
        var copy = node.DeepClone().AsObject();
        copy.Remove(property);
        return copy;
    }

    private static string Canonical(JsonNode node) => node.ToJsonString();

    private static StringContent Patient(string id, string family, string identifier) =>
        Fhir.Body(new JsonObject
        {
            ["resourceType"] = "Patient",
            ["id"] = id,
            ["identifier"] = new JsonArray(new JsonObject { ["system"] = "urn:sys", ["value"] = identifier }),
            ["name"] = new JsonArray(new JsonObject { ["family"] = family }),
        });
}
