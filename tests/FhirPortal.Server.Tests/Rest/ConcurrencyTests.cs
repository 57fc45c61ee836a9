using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Rest;

public sealed class ConcurrencyTests : IDisposable
{
    private const int Writers = 20;
    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public ConcurrencyTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Parallel_updates_with_the_same_If_Match_have_exactly_one_winner()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/race", Patient("race", "start"))).StatusCode);

        var responses = await Task.WhenAll(Enumerable.Range(0, Writers).Select(i =>
            _client.SendAsync(HttpMethod.Put, "Patient/race", Patient("race", $"writer{i}"), ("If-Match", "W/\"1\""))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        var losers = responses.Where(r => r.StatusCode != HttpStatusCode.OK).ToList();
        Assert.Equal(Writers - 1, losers.Count);
        foreach (var loser in losers)
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, loser.StatusCode);
            Assert.Equal("OperationOutcome", (await loser.ReadJsonAsync())["resourceType"]!.GetValue<string>());
        }

        var winner = responses.Single(r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal("W/\"2\"", winner.Headers.ETag?.ToString());
        var winnerFamily = (await winner.ReadJsonAsync())["name"]![0]!["family"]!.GetValue<string>();

        var read = await _client.GetAsync("Patient/race");
        Assert.Equal("W/\"2\"", read.Headers.ETag?.ToString());
        Assert.Equal(winnerFamily, (await read.ReadJsonAsync())["name"]![0]!["family"]!.GetValue<string>());
        Assert.Equal([2, 1], await HistoryVersionsAsync("Patient/race"));
    }

    [Fact]
    public async Task Parallel_unconditional_updates_all_succeed_with_contiguous_versions()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/busy", Patient("busy", "start"))).StatusCode);

        var responses = await Task.WhenAll(Enumerable.Range(0, Writers).Select(i =>
            _client.PutAsync("Patient/busy", Patient("busy", $"writer{i}"))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var etags = responses.Select(r => r.Headers.ETag?.ToString()).OrderBy(e => e).ToList();
        Assert.Equal(Enumerable.Range(2, Writers).Select(v => $"W/\"{v}\"").OrderBy(e => e), etags);

        var read = await _client.GetAsync("Patient/busy");
        Assert.Equal($"W/\"{Writers + 1}\"", read.Headers.ETag?.ToString());
        Assert.Equal(Enumerable.Range(1, Writers + 1).Reverse(), await HistoryVersionsAsync("Patient/busy"));
    }

    [Fact]
    public async Task Delete_with_a_stale_If_Match_is_412()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/d", Patient("d", "one"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync("Patient/d", Patient("d", "two"))).StatusCode);

        var stale = await _client.SendAsync(HttpMethod.Delete, "Patient/d", null, ("If-Match", "W/\"1\""));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("OperationOutcome", (await stale.ReadJsonAsync())["resourceType"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("Patient/d")).StatusCode);

        var current = await _client.SendAsync(HttpMethod.Delete, "Patient/d", null, ("If-Match", "W/\"2\""));
        Assert.Equal(HttpStatusCode.NoContent, current.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await _client.GetAsync("Patient/d")).StatusCode);
    }

    [Fact]
    public async Task Patch_with_a_stale_If_Match_is_412()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Patient/pa", Patient("pa", "one"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync("Patient/pa", Patient("pa", "two"))).StatusCode);
        const string patch = """[{"op":"replace","path":"/name/0/family","value":"patched"}]""";

        var stale = await _client.SendAsync(HttpMethod.Patch, "Patient/pa", Fhir.Body(patch, "application/json-patch+json"), ("If-Match", "W/\"1\""));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("OperationOutcome", (await stale.ReadJsonAsync())["resourceType"]!.GetValue<string>());
        var read = await _client.GetAsync("Patient/pa");
        Assert.Equal("W/\"2\"", read.Headers.ETag?.ToString());
        Assert.Equal("two", (await read.ReadJsonAsync())["name"]![0]!["family"]!.GetValue<string>());

        var current = await _client.SendAsync(HttpMethod.Patch, "Patient/pa", Fhir.Body(patch, "application/json-patch+json"), ("If-Match", "W/\"2\""));
        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        Assert.Equal("W/\"3\"", current.Headers.ETag?.ToString());
        Assert.Equal("patched", (await current.ReadJsonAsync())["name"]![0]!["family"]!.GetValue<string>());
    }

    private static StringContent Patient(string id, string family) =>
        Fhir.Body(new JsonObject { ["resourceType"] = "Patient", ["id"] = id, ["name"] = new JsonArray(new JsonObject { ["family"] = family }) });

    /// <summary>Every version id in the resource's history, following next links, newest first.</summary>
    private async Task<List<int>> HistoryVersionsAsync(string resource)
    {
        var versions = new List<int>();
        string? url = $"{resource}/_history?_count=50";
        while (url is not null)
        {
            var response = await _client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var bundle = await response.ReadJsonAsync();
            versions.AddRange(HistoryTests.Entries(bundle).Select(e =>
            {
                var etag = e["response"]!["etag"]!.GetValue<string>();
                return int.Parse(etag[3..^1], System.Globalization.CultureInfo.InvariantCulture);
            }));
            url = HistoryTests.Link(bundle, "next");
        }
        return versions;
    }
}
