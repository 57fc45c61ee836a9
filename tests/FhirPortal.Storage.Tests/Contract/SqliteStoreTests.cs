using FhirPortal.Search;
using static FhirPortal.Storage.Tests.Contract.TestResources;

namespace FhirPortal.Storage.Tests.Contract;

/// <summary>The store contract on the embedded SQLite store (a fresh file in a temp folder per test).</summary>
public sealed class SqliteStoreTests : SearchContract, IDisposable
{
    private readonly SqliteTestFolder _store = new();

    protected override Task<IResourceStore> OpenAsync() => _store.OpenAsync();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Without_total_a_search_counts_up_to_a_thousand_matches_and_no_further()
    {
        var writes = Enumerable.Range(0, 1001).Select(_ => Version(Patient(NewId(), "Many"), 1)).ToArray();
        await Store!.CommitAsync(Batch(writes[..1000]), None);
        var query = Query("Patient", ("family", "many")) with { Total = TotalMode.IfKnown, Count = 10 };
        var first = await Store.SearchAsync(query, None);
        Assert.Equal(1000, first.Total);
        Assert.Equal(1000, (await Store.SearchAsync(query with { Cursor = first.NextCursor }, None)).Total);

        await Store.CommitAsync(Batch(writes[1000]), None);
        Assert.Null((await Store.SearchAsync(query, None)).Total);
        Assert.Equal(1001, (await Store.SearchAsync(query with { Total = TotalMode.Accurate }, None)).Total);
    }

    [Theory]
    [InlineData(0xFFFF)] // + 1 wraps to U+0000
    [InlineData(0xD7FF)] // + 1 is a high surrogate
    [InlineData(0xD800)] // a surrogate itself
    [InlineData(0xDBFF)]
    [InlineData(0xDFFF)]
    public async Task A_job_kind_prefix_whose_range_end_would_wrap_or_split_a_surrogate_is_refused(int last)
    {
        await Store!.SaveJobAsync(new JobRecord("j1", "share-link:p1", "{}"), None);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ListJobsByKindPrefixAsync("share-link" + (char)last, None));
        Assert.Single(await Store.ListJobsByKindPrefixAsync("share-link:", None));
    }
}
