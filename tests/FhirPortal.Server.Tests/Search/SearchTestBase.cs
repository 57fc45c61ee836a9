using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Search;

/// <summary>A fresh server per test, with helpers to PUT fixed-id resources and collect search result ids.</summary>
public abstract class SearchTestBase : IDisposable
{
    protected readonly FhirPortalHost Host = new();
    protected readonly HttpClient Client;

    protected SearchTestBase() => Client = Host.CreateFhirClient();

    public void Dispose() => Host.Dispose();

    /// <summary>PUTs each resource (JSON with resourceType and id) and checks it was stored.</summary>
    protected async Task PutAsync(params string[] resources)
    {
        foreach (var json in resources)
        {
            var node = JsonNode.Parse(json)!;
            var url = $"{node["resourceType"]!.GetValue<string>()}/{node["id"]!.GetValue<string>()}";
            var response = await Client.PutAsync(url, Fhir.Body(json));
            Assert.True(response.IsSuccessStatusCode, $"PUT {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Runs a search and returns its bundle, asserting 200.</summary>
    protected async Task<JsonNode> BundleAsync(string url)
    {
        var response = await Client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>
    /// The match ids of each page from <paramref name="url"/> on, following <paramref name="relation"/> links
    /// (none when the url is null), and the last page's Bundle.
    /// </summary>
    protected async Task<(List<List<string>> Pages, JsonNode? Last)> PagesAsync(string? url, string relation = "next")
    {
        var pages = new List<List<string>>();
        JsonNode? last = null;
        while (url is not null)
        {
            Assert.True(pages.Count < 100, "Too many pages.");
            last = await BundleAsync(url);
            pages.Add(MatchIds(last));
            url = Link(last, relation);
        }
        return (pages, last);
    }

    /// <summary>The ids of the match entries of every page, following next links.</summary>
    protected async Task<List<string>> AllIdsAsync(string url) =>
        (await PagesAsync(url)).Pages.SelectMany(p => p).ToList();

    /// <summary>Asserts that the search matches exactly these ids (any order), across all pages.</summary>
    protected async Task AssertIdsAsync(string url, params string[] expected)
    {
        var ids = await AllIdsAsync(url);
        Assert.True(expected.Order().SequenceEqual(ids.Order()),
            $"{url}: expected [{string.Join(", ", expected.Order())}] but got [{string.Join(", ", ids.Order())}]");
    }

    protected static List<string> MatchIds(JsonNode bundle) => Entries(bundle, "match");

    protected static List<string> Entries(JsonNode bundle, string mode) =>
        (bundle["entry"]?.AsArray() ?? [])
            .Where(e => e!["search"]?["mode"]?.GetValue<string>() == mode)
            .Select(e => e!["resource"]!["id"]!.GetValue<string>())
            .ToList();

    /// <summary>Entries as "Type/id" for a search mode.</summary>
    protected static List<string> TypedEntries(JsonNode bundle, string mode) =>
        (bundle["entry"]?.AsArray() ?? [])
            .Where(e => e!["search"]?["mode"]?.GetValue<string>() == mode)
            .Select(e => e!["resource"]!["resourceType"]!.GetValue<string>() + "/" + e!["resource"]!["id"]!.GetValue<string>())
            .ToList();

    protected static string? Link(JsonNode bundle, string relation) =>
        bundle["link"]?.AsArray().FirstOrDefault(l => l!["relation"]!.GetValue<string>() == relation)?["url"]?.GetValue<string>();

    protected static string Patient(string id, string extra = "") =>
        $$"""{"resourceType":"Patient","id":"{{id}}"{{(extra.Length > 0 ? "," + extra : "")}}}""";

    protected static string Observation(string id, string extra) =>
        $$"""{"resourceType":"Observation","id":"{{id}}","status":"final",{{extra}}}""";
}
