using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Rest;

/// <summary>Bundle.total when the search already knows it (or is asked), never under _total=none; first links on every page.</summary>
public sealed class SearchTotalTests : IDisposable
{
    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public SearchTotalTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    private async Task SeedAsync()
    {
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync($"Patient/p{i}", Fhir.Body($$"""{"resourceType":"Patient","id":"p{{i}}","gender":"female"}"""))).StatusCode);
    }

    private static string? Link(JsonNode bundle, string relation) =>
        (string?)(bundle["link"] as JsonArray ?? []).FirstOrDefault(l => (string?)l!["relation"] == relation)?["url"];

    [Theory]
    [InlineData("Patient", 3)]
    [InlineData("Patient?gender=female", 3)]
    [InlineData("Patient?gender=male", 0)]
    [InlineData("Patient?_total=accurate&_count=2", 3)]
    [InlineData("Patient?_total=estimate&_count=2", 3)]
    [InlineData("?_type=Patient", 3)]
    [InlineData("Patient?_total=none", null)]
    [InlineData("Patient?_count=2", null)]
    public async Task A_search_has_a_total_when_one_page_holds_every_match_or_a_total_is_asked_for(string url, int? total)
    {
        await SeedAsync();
        var bundle = await (await _client.GetAsync(url)).ReadJsonAsync();
        Assert.Equal(total, (int?)bundle["total"]);
    }

    [Fact]
    public async Task Every_page_links_the_first_page()
    {
        await SeedAsync();
        var first = await (await _client.GetAsync("Patient?_count=2&_sort=_id")).ReadJsonAsync();
        var firstUrl = Link(first, "first");
        Assert.NotNull(firstUrl);
        Assert.DoesNotContain("_cursor", firstUrl);
        var second = await (await _client.GetAsync(Link(first, "next")!)).ReadJsonAsync();
        Assert.Equal(firstUrl, Link(second, "first"));
        var again = await (await _client.GetAsync(firstUrl)).ReadJsonAsync();
        Assert.Equal(["p0", "p1"], again["entry"]!.AsArray().Select(e => (string)e!["resource"]!["id"]!));
        Assert.NotNull(Link(await (await _client.GetAsync("Patient/_history?_count=1")).ReadJsonAsync(), "first"));
    }
}
