using FhirPortal.Storage.Sqlite;
using Hl7.Fhir.Model;
using static FhirPortal.Storage.Tests.Contract.TestResources;

namespace FhirPortal.Storage.Tests.Contract;

/// <summary>
/// How the SQLite store runs searches with several value conditions (EXPLAIN QUERY PLAN): a narrow condition drives and
/// the broad ones are probed per candidate; with only broad ones, a page sorted by a bounded single-valued date walks
/// the date index in order. 2,500 Slots every 10 minutes from 2030-01-01, every fifth one busy, every 25th on Schedule/a.
/// </summary>
public sealed class SqlitePlanTests : IAsyncLifetime, IDisposable
{
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly SqliteTestFolder _folder = new();
    private SqliteResourceStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = (SqliteResourceStore)await _folder.OpenAsync();
        await _store.CommitAsync(Batch(Enumerable.Range(0, 2500).Select(i => Version(Slot(i), 1)).ToArray()), CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _store.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_page_of_broad_conditions_sorted_by_a_bounded_date_walks_the_date_index_and_pages_both_ways()
    {
        // Days 1 to 16: 2,160 slots, 1,728 free: both conditions are broad.
        var query = Query("Slot", ("status", "free"), ("start", "ge2030-01-02T00:00:00Z"), ("start", "lt2030-01-17T00:00:00Z"), ("_sort", "start"), ("_count", "50"));
        var plan = await _store.ExplainAsync(query, CancellationToken.None);
        Assert.StartsWith("SEARCH w USING COVERING INDEX ix_date_lookup (param=? AND type=? AND start_ms>? AND start_ms<?)", plan[0]);
        Assert.DoesNotContain(plan, line => line.Contains("ix_token_lookup") || line == "USE TEMP B-TREE FOR ORDER BY");

        var expected = Enumerable.Range(144, 2160).Where(i => i % 5 != 4).Select(Id).ToList();
        var pages = new List<Page>();
        for (string? cursor = null; pages.Count < 3; cursor = pages[^1].NextCursor)
            pages.Add(await _store.SearchAsync(query with { Cursor = cursor }, CancellationToken.None));
        Assert.Equal(expected.Take(150), pages.SelectMany(p => p.Entries).Select(e => e.Key.Id));
        var back = await _store.SearchAsync(query with { Cursor = pages[2].PreviousCursor }, CancellationToken.None);
        Assert.Equal(expected.Skip(50).Take(50), back.Entries.Select(e => e.Key.Id));
    }

    [Fact]
    public async Task A_walk_reads_a_group_of_equal_starts_in_page_order_without_sorting_it()
    {
        // 200 more free slots at the start of day 1 (where busy s0144 starts): the first four pages lie inside the group.
        var group = Enumerable.Range(0, 200).Select(i => new Slot
        {
            Id = $"g{i:000}", Schedule = new ResourceReference("Schedule/b"), Status = Hl7.Fhir.Model.Slot.SlotStatus.Free,
            Start = Start.AddDays(1), End = Start.AddDays(1).AddMinutes(10),
        });
        await _store.CommitAsync(Batch(group.Select(s => Version(s, 1)).ToArray()), CancellationToken.None);
        var query = Query("Slot", ("status", "free"), ("start", "ge2030-01-02T00:00:00Z"), ("start", "lt2030-01-17T00:00:00Z"), ("_sort", "start"), ("_count", "50"));
        var plan = await _store.ExplainAsync(query, CancellationToken.None);
        Assert.StartsWith("SEARCH w USING COVERING INDEX ix_date_lookup", plan[0]);
        Assert.DoesNotContain(plan, line => line.Contains("TEMP B-TREE"));

        // Equal starts in rid (storage) order, then the slots after them.
        var expected = Enumerable.Range(0, 200).Select(i => $"g{i:000}")
            .Concat(Enumerable.Range(145, 2159).Where(i => i % 5 != 4).Select(Id)).ToList();
        var pages = new List<Page>();
        for (string? cursor = null; pages.Count < 5; cursor = pages[^1].NextCursor)
            pages.Add(await _store.SearchAsync(query with { Cursor = cursor }, CancellationToken.None));
        Assert.Equal(expected.Take(250), pages.SelectMany(p => p.Entries).Select(e => e.Key.Id));
        var back = await _store.SearchAsync(query with { Cursor = pages[3].PreviousCursor }, CancellationToken.None);
        Assert.Equal(expected.Skip(100).Take(50), back.Entries.Select(e => e.Key.Id));
    }

    [Fact]
    public async Task A_narrow_condition_drives_and_the_broad_ones_are_probed_per_candidate()
    {
        var query = Query("Slot", ("schedule", "Schedule/a"), ("status", "free"), ("start", "ge2030-01-02T00:00:00Z"), ("start", "lt2030-01-17T00:00:00Z"), ("_sort", "start"));
        var plan = await _store.ExplainAsync(query, CancellationToken.None);
        Assert.Contains(plan, line => line.StartsWith("SEARCH i0 USING INDEX ix_reference_", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("ix_token_lookup") || line.Contains("ix_date_lookup"));

        var expected = Enumerable.Range(144, 2160).Where(i => i % 5 != 4 && i % 25 == 0).Select(Id).ToList();
        var page = await _store.SearchAsync(query with { Count = 100 }, CancellationToken.None);
        Assert.Equal(expected, page.Entries.Select(e => e.Key.Id));
    }

    private static string Id(int i) => $"s{i:0000}";

    private static Slot Slot(int i) => new()
    {
        Id = Id(i),
        Schedule = new ResourceReference(i % 25 == 0 ? "Schedule/a" : "Schedule/b"),
        Status = i % 5 == 4 ? Hl7.Fhir.Model.Slot.SlotStatus.Busy : Hl7.Fhir.Model.Slot.SlotStatus.Free,
        Start = Start.AddMinutes(10 * i),
        End = Start.AddMinutes(10 * i + 10),
    };
}
