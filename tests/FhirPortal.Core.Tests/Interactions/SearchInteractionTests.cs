using FhirPortal.Core.Interactions;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Interactions;

/// <summary>search (SearchInteraction) over what the write interactions indexed in the same commit.</summary>
public sealed class SearchInteractionTests : IDisposable
{
    private readonly CoreServices _core = new();

    public void Dispose() => _core.Dispose();

    private static string[] Ids(IEnumerable<Storage.StoredResource> found) => found.Select(r => r.Key.Id).Order().ToArray();

    [Fact]
    public async Task Search_sees_creates_updates_and_deletes_as_soon_as_they_commit()
    {
        await _core.SeedAsync(CoreServices.Patient("p1", "Lovelace"));
        await _core.SeedAsync(CoreServices.Patient("p2", "Lovelock"));
        await _core.SeedAsync(CoreServices.Patient("p3", "Turing"));
        Assert.Equal(["p1", "p2"], Ids(await _core.FindAsync("Patient", ("family", "Love"))));

        await _core.SeedAsync(CoreServices.Patient("p2", "Hopper"));
        await _core.Delete.DeleteAsync(new Storage.ResourceKey("Patient", "p1"), null, default);

        Assert.Empty(await _core.FindAsync("Patient", ("family", "Love")));
        Assert.Equal(["p2"], Ids(await _core.FindAsync("Patient", ("family", "Hopper"))));
        Assert.Equal(["p2", "p3"], Ids(await _core.FindAsync("Patient")));
    }

    [Fact]
    public async Task An_unknown_parameter_is_400_when_strict_and_reported_in_an_outcome_entry_otherwise()
    {
        await _core.SeedAsync(CoreServices.Patient("p1"));
        List<KeyValuePair<string, string>> parameters = [new("no-such-parameter", "x")];

        var strict = await Assert.ThrowsAsync<FhirOutcomeException>(() =>
            _core.Search.ExecuteAsync(CoreServices.BaseUrl, new SearchScope("Patient"), parameters, strict: true, default));
        var lenient = await _core.Search.ExecuteAsync(CoreServices.BaseUrl, new SearchScope("Patient"), parameters, strict: false, default);

        Assert.Equal(400, strict.Status);
        Assert.Equal([Bundle.SearchEntryMode.Match, Bundle.SearchEntryMode.Outcome], lenient.Entries.Select(e => e.SearchMode));
    }

    [Fact]
    public async Task Pages_follow_the_next_link_until_every_match_was_seen()
    {
        for (var i = 0; i < 5; i++) await _core.SeedAsync(CoreServices.Patient($"p{i}"));
        var seen = new List<string>();
        List<KeyValuePair<string, string>> parameters = [new("_count", "2")];

        for (var pages = 0; pages < 10; pages++)
        {
            var page = await _core.Search.ExecuteAsync(CoreServices.BaseUrl, new SearchScope("Patient"), parameters, strict: true, default);
            seen.AddRange(page.Entries.Select(e => e.Resource!.Key.Id));
            if (page.Links.FirstOrDefault(l => l.Relation == "next") is not { } next) break;
            parameters = QueryOf(next.Url);
        }

        Assert.Equal(["p0", "p1", "p2", "p3", "p4"], seen.Order());
    }

    private static List<KeyValuePair<string, string>> QueryOf(string url) =>
        url[(url.IndexOf('?') + 1)..].Split('&').Select(p => p.Split('=', 2))
            .Select(p => KeyValuePair.Create(Uri.UnescapeDataString(p[0]), Uri.UnescapeDataString(p[1]))).ToList();
}
