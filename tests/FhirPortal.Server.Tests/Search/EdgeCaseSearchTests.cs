using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Search;

/// <summary>Harder corners: ties in sort keys across pages, multi-valued sort keys, timezones, :missing on periods, deleted resources.</summary>
public sealed class EdgeCaseSearchTests : SearchTestBase
{
    [Theory]
    [InlineData("family")]
    [InlineData("-family")]
    [InlineData("gender,-family")]
    public async Task Ties_page_without_gaps_or_duplicates_in_both_directions(string sort)
    {
        var families = new[] { "Baker", "Baker", "Adams", "Baker", "Clark", "Adams", null, "Baker" };
        await PutAsync(families.Select((f, i) => Patient($"t{i}",
            (f is null ? "" : $$""" "name":[{"family":"{{f}}"}],""") + $$""" "gender":"{{(i % 2 == 0 ? "male" : "female")}}" """)).ToArray());
        var all = await AllIdsAsync($"Patient?_sort={sort}&_count=100");
        Assert.Equal(8, all.Count);

        var (pages, last) = await PagesAsync($"Patient?_sort={sort}&_count=3");
        Assert.Equal(all, pages.SelectMany(p => p));

        var (back, _) = await PagesAsync(Link(last!, "previous"), "previous");
        Assert.Equal(pages.Take(pages.Count - 1).Reverse().Select(p => string.Join(",", p)), back.Select(p => string.Join(",", p)));

        // The family order itself is right, with the missing family last.
        var byId = families.Select((f, i) => (Id: $"t{i}", Family: f)).ToDictionary(x => x.Id, x => x.Family);
        Assert.Equal("t6", all[^1]);
        if (sort == "family")
            Assert.Equal(families.Where(f => f is not null).Order(), all.Take(7).Select(id => byId[id]));
        if (sort == "-family")
            Assert.Equal(families.Where(f => f is not null).OrderDescending(), all.Take(7).Select(id => byId[id]));
    }

    [Fact]
    public async Task Sort_on_multi_valued_dates_uses_the_earliest_ascending_and_latest_descending()
    {
        static string Encounter(string id, string period) =>
            $$"""{"resourceType":"Encounter","id":"{{id}}","status":"finished","class":{"code":"AMB"},"period":{{period}}}""";
        await PutAsync(
            Encounter("e1", """{"start":"2020-01-01","end":"2020-12-31"}"""),
            Encounter("e2", """{"start":"2020-06-01","end":"2020-06-02"}"""),
            Encounter("e3", """{"start":"2019-06-01","end":"2019-06-02"}"""));
        Assert.Equal(["e3", "e1", "e2"], await AllIdsAsync("Encounter?_sort=date"));
        Assert.Equal(["e1", "e2", "e3"], await AllIdsAsync("Encounter?_sort=-date"));
    }

    [Fact]
    public async Task DateTime_search_values_with_timezones()
    {
        await PutAsync(
            Observation("z1", """ "code":{"text":"x"},"effectiveDateTime":"2021-03-04T18:00:00+02:00" """),
            Observation("z2", """ "code":{"text":"x"},"effectiveDateTime":"2021-03-04T23:30:00-05:00" """));
        await AssertIdsAsync("Observation?date=" + Uri.EscapeDataString("2021-03-04T16:00:00Z"), "z1");
        await AssertIdsAsync("Observation?date=" + Uri.EscapeDataString("2021-03-04T18:00:00+02:00"), "z1");
        await AssertIdsAsync("Observation?date=2021-03-05", "z2");
        await AssertIdsAsync("Observation?date=" + Uri.EscapeDataString("gt2021-03-05T04:00:00Z"), "z2");
    }

    [Fact]
    public async Task Deleted_and_superseded_versions_do_not_match()
    {
        await PutAsync(Patient("d1", """ "name":[{"family":"Gone"}]"""), Patient("d2", """ "name":[{"family":"Before"}]"""));
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync("Patient/d1")).StatusCode);
        await PutAsync(Patient("d2", """ "name":[{"family":"After"}]"""));
        await AssertIdsAsync("Patient?family=gone");
        await AssertIdsAsync("Patient?family=before");
        await AssertIdsAsync("Patient?family=after", "d2");
        await AssertIdsAsync("Patient?_id=d1");
        await AssertIdsAsync("Patient", "d2");
    }

    [Fact]
    public async Task Missing_on_reference_and_string_and_has_with_id()
    {
        await PutAsync(
            Patient("mp1", """ "name":[{"family":"A"}],"generalPractitioner":[{"reference":"Practitioner/pr1"}]"""),
            Patient("mp2"),
            """{"resourceType":"Practitioner","id":"pr1"}""");
        await AssertIdsAsync("Patient?general-practitioner:missing=true", "mp2");
        await AssertIdsAsync("Patient?general-practitioner:missing=false", "mp1");
        await AssertIdsAsync("Patient?family:missing=true", "mp2");
        await AssertIdsAsync("Practitioner?_has:Patient:general-practitioner:_id=mp1", "pr1");
        await AssertIdsAsync("Practitioner?_has:Patient:general-practitioner:_id=mp2");
    }

    [Fact]
    public async Task Include_entries_are_not_counted_in_paging_or_total()
    {
        await PutAsync(Patient("ip1"), Patient("ip2"),
            Observation("o1", """ "code":{"text":"x"},"subject":{"reference":"Patient/ip1"}"""),
            Observation("o2", """ "code":{"text":"x"},"subject":{"reference":"Patient/ip1"}"""),
            Observation("o3", """ "code":{"text":"x"},"subject":{"reference":"Patient/ip2"}"""));
        var bundle = await BundleAsync("Observation?_include=Observation:subject&_count=2&_total=accurate&_sort=_id");
        Assert.Equal(3, bundle["total"]!.GetValue<int>());
        Assert.Equal(["o1", "o2"], MatchIds(bundle));
        Assert.Equal(["Patient/ip1"], TypedEntries(bundle, "include"));
        var next = await BundleAsync(Link(bundle, "next")!);
        Assert.Equal(["o3"], MatchIds(next));
        Assert.Equal(["Patient/ip2"], TypedEntries(next, "include"));
    }
}
