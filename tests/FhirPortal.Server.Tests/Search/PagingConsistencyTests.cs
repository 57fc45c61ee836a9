using System.Net;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace FhirPortal.Server.Tests.Search;

/// <summary>
/// Keyset paging under concurrent writes: paging through a search while other resources are created and existing
/// matches are updated (without touching the sort key) never skips nor repeats a resource that matched from the
/// start, and the previous links lead back to the first page.
/// </summary>
public sealed class PagingConsistencyTests(ITestOutputHelper output) : IDisposable
{
    private const int Original = 120;
    private const int Inserted = 50;
    private const int PageSize = 10;
    private readonly FhirPortalHost _host = new();
    private HttpClient? _client;

    private HttpClient Client => _client ??= _host.CreateFhirClient();

    public void Dispose()
    {
        _client?.Dispose();
        _host.Dispose();
    }

    [Theory]
    [InlineData("sorted", "&_sort=-date")]
    [InlineData("unsorted", "")]
    public async Task Paging_while_a_writer_inserts_and_updates_neither_skips_nor_repeats(string run, string sort)
    {
        for (var i = 0; i < Original; i++) await PutAsync(run, $"{run}-o{i}", i, "original");
        var originals = Enumerable.Range(0, Original).Select(i => $"Observation/{run}-o{i}").ToHashSet();
        var url = $"Observation?code=urn:paging|{run}&_count={PageSize}{sort}";

        // Between page fetches a writer creates new matches (dates spread over the whole range, so they land both
        // before and after the position reached) and updates already-seen and not-yet-seen originals.
        var inserted = 0;
        var updated = 0;
        async Task WriteBetweenPagesAsync(int page)
        {
            for (var k = 0; k < 5 && inserted < Inserted; k++, inserted++)
                await PutAsync(run, $"{run}-n{inserted}", (inserted * 7 + page) % 40, "inserted");
            foreach (var i in new[] { page * 3 % Original, (Original - 1 - page * 5 % Original), (page * 11 + 4) % Original })
            {
                await PutAsync(run, $"{run}-o{i}", i, $"updated at page {page}");
                updated++;
            }
        }

        var pages = new List<List<(string Key, string Date)>>();
        string? next = url;
        string? last = null;
        while (next is not null)
        {
            var fetch = FetchAsync(next);
            var writes = WriteBetweenPagesAsync(pages.Count);
            await Task.WhenAll(fetch, writes);
            var (entries, nextLink, _) = await fetch;
            pages.Add(entries);
            last = next;
            next = nextLink;
            Assert.True(pages.Count < 100, "too many pages");
        }
        while (inserted < Inserted) await WriteBetweenPagesAsync(pages.Count);

        var seen = pages.SelectMany(p => p).Select(e => e.Key).ToList();
        output.WriteLine($"{run}: {pages.Count} pages, {seen.Count} entries, {inserted} inserted, {updated} updates during paging");
        var repeated = seen.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(repeated.Count == 0, $"repeated across pages: {string.Join(", ", repeated)}");
        var missing = originals.Except(seen).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} originals never paged: {string.Join(", ", missing)}");
        Assert.All(pages.SkipLast(1), p => Assert.Equal(PageSize, p.Count));
        if (sort != "")
        {
            var dates = pages.SelectMany(p => p).Select(e => e.Date).ToList();
            for (var i = 1; i < dates.Count; i++)
                Assert.True(string.CompareOrdinal(dates[i - 1], dates[i]) >= 0, $"position {i}: {dates[i - 1]} before {dates[i]}");
        }

        // No more writes: the previous links from the last page walk back to the first page, which is the first
        // page a new search returns, and together they are exactly the current result in order.
        var fresh = new List<List<(string Key, string Date)>>();
        for (string? u = url; u is not null;)
        {
            var (entries, nextLink, _) = await FetchAsync(u);
            fresh.Add(entries);
            last = u;
            u = nextLink;
        }
        Assert.Equal(Original + Inserted, fresh.Sum(p => p.Count));
        var backward = new List<List<(string Key, string Date)>>();
        for (string? u = last; u is not null;)
        {
            var (entries, _, previous) = await FetchAsync(u);
            backward.Add(entries);
            u = previous;
            Assert.True(backward.Count <= fresh.Count, "the previous links walk past the first page");
        }
        backward.Reverse();
        Assert.Equal(fresh.Select(p => string.Join(",", p.Select(e => e.Key))), backward.Select(p => string.Join(",", p.Select(e => e.Key))));
        var (first, _, firstPrevious) = await FetchAsync(url);
        Assert.Null(firstPrevious);
        Assert.Equal(first.Select(e => e.Key), backward[0].Select(e => e.Key));
    }

    private async Task PutAsync(string run, string id, int day, string note)
    {
        var observation = new JsonObject
        {
            ["resourceType"] = "Observation",
            ["id"] = id,
            ["status"] = "final",
            ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "urn:paging", ["code"] = run }) },
            ["effectiveDateTime"] = new DateTime(2020, 1, 1, 10, 0, 0, DateTimeKind.Utc).AddDays(day).ToString("yyyy-MM-ddTHH:mm:ssZ"),
            ["valueString"] = note,
        };
        var response = await Client.PutAsync($"Observation/{id}", Fhir.Body(observation));
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"PUT Observation/{id}: {(int)response.StatusCode}");
    }

    private async Task<(List<(string Key, string Date)> Entries, string? Next, string? Previous)> FetchAsync(string url)
    {
        var response = await Client.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var bundle = await response.ReadJsonAsync();
        var entries = bundle["entry"]?.AsArray().Select(e => e!["resource"]!)
            .Select(r => ($"Observation/{(string?)r["id"]}", (string?)r["effectiveDateTime"] ?? "")).ToList() ?? [];
        string? Link(string relation) => bundle["link"]?.AsArray().Where(l => (string?)l!["relation"] == relation)
            .Select(l => (string?)l!["url"]).FirstOrDefault();
        return (entries, Link("next"), Link("previous"));
    }
}
