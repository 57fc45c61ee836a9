using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Rest;

public sealed class HistoryTests : IDisposable
{
    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public HistoryTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Instance_history_lists_every_version_newest_first()
    {
        var id = await CreatePatientAsync("v1");
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync($"Patient/{id}", Patient(id, "v2"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync($"Patient/{id}", Patient(id, "v3"))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"Patient/{id}")).StatusCode);

        var response = await _client.GetAsync($"Patient/{id}/_history");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bundle = await response.ReadJsonAsync();
        Assert.Equal("Bundle", bundle["resourceType"]!.GetValue<string>());
        Assert.Equal("history", bundle["type"]!.GetValue<string>());
        var entries = Entries(bundle);
        Assert.Equal(4, entries.Count);

        Assert.Equal(["DELETE", "PUT", "PUT", "POST"], entries.Select(e => e["request"]!["method"]!.GetValue<string>()));
        Assert.Equal(["W/\"4\"", "W/\"3\"", "W/\"2\"", "W/\"1\""], entries.Select(e => e["response"]!["etag"]!.GetValue<string>()));
        DateTimeOffset? newer = null;
        foreach (var entry in entries)
        {
            Assert.False(string.IsNullOrEmpty(entry["request"]!["url"]!.GetValue<string>()));
            Assert.Matches(@"^\d{3}", entry["response"]!["status"]!.GetValue<string>());
            var modified = DateTimeOffset.Parse(entry["response"]!["lastModified"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            if (newer is not null) Assert.True(modified <= newer, "history is ordered newest first");
            newer = modified;
        }

        var delete = entries[0];
        Assert.Null(delete["resource"]);
        Assert.Equal($"Patient/{id}", delete["request"]!["url"]!.GetValue<string>());
        Assert.StartsWith("2", delete["response"]!["status"]!.GetValue<string>());

        var family = entries.Skip(1).Select(e => e["resource"]!["name"]![0]!["family"]!.GetValue<string>());
        Assert.Equal(["v3", "v2", "v1"], family);
        Assert.Equal(["3", "2", "1"], entries.Skip(1).Select(e => e["resource"]!["meta"]!["versionId"]!.GetValue<string>()));
        Assert.Equal("Patient", entries[3]["request"]!["url"]!.GetValue<string>());
        Assert.Equal("201 Created", entries[3]["response"]!["status"]!.GetValue<string>());
        Assert.Equal($"Patient/{id}", entries[1]["request"]!["url"]!.GetValue<string>());
    }

    [Fact]
    public async Task Type_history_holds_only_that_type_and_system_history_holds_all()
    {
        var p = await CreatePatientAsync("a");
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync($"Patient/{p}", Patient(p, "b"))).StatusCode);
        var obs = await _client.PostAsync("Observation", Fhir.Body("""{"resourceType":"Observation","status":"final","code":{"text":"x"}}"""));
        Assert.Equal(HttpStatusCode.Created, obs.StatusCode);

        var type = await (await _client.GetAsync("Patient/_history")).ReadJsonAsync();
        Assert.Equal("history", type["type"]!.GetValue<string>());
        var typeEntries = Entries(type);
        Assert.Equal(2, typeEntries.Count);
        Assert.All(typeEntries, e => Assert.Equal("Patient", e["resource"]!["resourceType"]!.GetValue<string>()));
        Assert.Equal(["W/\"2\"", "W/\"1\""], typeEntries.Select(e => e["response"]!["etag"]!.GetValue<string>()));

        var system = await (await _client.GetAsync("_history")).ReadJsonAsync();
        Assert.Equal("history", system["type"]!.GetValue<string>());
        var systemEntries = Entries(system);
        Assert.Equal(3, systemEntries.Count);
        Assert.Equal(["Observation", "Patient", "Patient"], systemEntries.Select(e => e["resource"]!["resourceType"]!.GetValue<string>()));
        Assert.All(systemEntries, e => Assert.StartsWith("http://localhost/fhir/", e["fullUrl"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Count_pages_through_every_version_exactly_once()
    {
        var expected = new HashSet<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = await CreatePatientAsync($"p{i}");
            expected.Add($"{id}/1");
            if (i < 2)
            {
                Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync($"Patient/{id}", Patient(id, $"p{i}b"))).StatusCode);
                expected.Add($"{id}/2");
            }
        }
        Assert.Equal(5, expected.Count);

        var seen = new List<string>();
        string? url = "Patient/_history?_count=2";
        var pages = 0;
        while (url is not null)
        {
            Assert.True(++pages <= 10, "paging does not terminate");
            var response = await _client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var bundle = await response.ReadJsonAsync();
            var entries = Entries(bundle);
            Assert.InRange(entries.Count, 1, 2);
            seen.AddRange(entries.Select(e => $"{e["resource"]!["id"]!.GetValue<string>()}/{e["resource"]!["meta"]!["versionId"]!.GetValue<string>()}"));
            url = Link(bundle, "next");
            if (url is not null) Assert.StartsWith("http://localhost/fhir/Patient/_history?", url);
        }
        Assert.Equal(3, pages);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(expected.OrderBy(x => x), seen.OrderBy(x => x));
    }

    [Fact]
    public async Task Since_keeps_only_versions_written_at_or_after_the_instant()
    {
        var id = await CreatePatientAsync("v1");
        var v1 = await LastUpdatedAsync(id, 1);
        await Task.Delay(30);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(30);
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync($"Patient/{id}", Patient(id, "v2"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync($"Patient/{id}", Patient(id, "v3"))).StatusCode);
        var v2 = await LastUpdatedAsync(id, 2);
        Assert.True(v1 < between && between < v2);

        var filtered = Entries(await (await _client.GetAsync($"Patient/{id}/_history?_since={Instant(between)}")).ReadJsonAsync());
        Assert.Equal(["3", "2"], filtered.Select(e => e["resource"]!["meta"]!["versionId"]!.GetValue<string>()));

        // _since is inclusive: a version written exactly at the instant is included.
        var exact = Entries(await (await _client.GetAsync($"Patient/{id}/_history?_since={Instant(v1)}")).ReadJsonAsync());
        Assert.Equal(3, exact.Count);

        var system = Entries(await (await _client.GetAsync($"_history?_since={Instant(between)}")).ReadJsonAsync());
        Assert.Equal(2, system.Count);

        var future = Entries(await (await _client.GetAsync($"_history?_since={Instant(DateTimeOffset.UtcNow.AddHours(1))}")).ReadJsonAsync());
        Assert.Empty(future);
    }

    [Fact]
    public async Task At_returns_the_version_current_at_that_time()
    {
        var id = await CreatePatientAsync("v1");
        await Task.Delay(30);
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync($"Patient/{id}", Patient(id, "v2"))).StatusCode);
        await Task.Delay(30);
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync($"Patient/{id}", Patient(id, "v3"))).StatusCode);
        var v1 = await LastUpdatedAsync(id, 1);
        var v2 = await LastUpdatedAsync(id, 2);
        var v3 = await LastUpdatedAsync(id, 3);

        async Task<string[]> VersionsAt(DateTimeOffset at) =>
            Entries(await (await _client.GetAsync($"Patient/{id}/_history?_at={Instant(at)}")).ReadJsonAsync())
                .Select(e => e["resource"]!["meta"]!["versionId"]!.GetValue<string>()).ToArray();

        Assert.Equal(["1"], await VersionsAt(v1 + (v2 - v1) / 2));
        Assert.Equal(["2"], await VersionsAt(v2 + (v3 - v2) / 2));
        Assert.Equal(["3"], await VersionsAt(v3.AddHours(1)));
        Assert.Empty(await VersionsAt(v1.AddHours(-1)));
        // At the exact instant of a write the new version is the current one.
        Assert.Equal(["2"], await VersionsAt(v2));
    }

    [Theory]
    [InlineData("_since=yesterday")]
    [InlineData("_since=2024-13-45")]
    [InlineData("_at=not-a-date")]
    public async Task Bad_history_parameter_is_400_with_an_OperationOutcome(string query)
    {
        var id = await CreatePatientAsync("x");
        foreach (var url in new[] { $"Patient/{id}/_history?{query}", $"Patient/_history?{query}", $"_history?{query}" })
        {
            var response = await _client.GetAsync(url);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("OperationOutcome", (await response.ReadJsonAsync())["resourceType"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task History_of_an_unknown_id_is_404()
    {
        var response = await _client.GetAsync("Patient/does-not-exist/_history");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("OperationOutcome", (await response.ReadJsonAsync())["resourceType"]!.GetValue<string>());
    }

    private static StringContent Patient(string id, string family) =>
        Fhir.Body(new JsonObject { ["resourceType"] = "Patient", ["id"] = id, ["name"] = new JsonArray(new JsonObject { ["family"] = family }) });

    private async Task<string> CreatePatientAsync(string family)
    {
        var created = await _client.PostAsync("Patient", Fhir.Body(new JsonObject { ["resourceType"] = "Patient", ["name"] = new JsonArray(new JsonObject { ["family"] = family }) }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.ReadJsonAsync())["id"]!.GetValue<string>();
    }

    private async Task<DateTimeOffset> LastUpdatedAsync(string id, int version)
    {
        var read = await _client.GetAsync($"Patient/{id}/_history/{version}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var text = (await read.ReadJsonAsync())["meta"]!["lastUpdated"]!.GetValue<string>();
        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
    }

    internal static List<JsonNode> Entries(JsonNode bundle) =>
        bundle["entry"] is JsonArray entries ? [.. entries.Select(e => e!)] : [];

    internal static string? Link(JsonNode bundle, string relation) =>
        (bundle["link"] as JsonArray)?.FirstOrDefault(l => l!["relation"]!.GetValue<string>() == relation)?["url"]!.GetValue<string>();

    internal static string Instant(DateTimeOffset value) =>
        Uri.EscapeDataString(value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
}
