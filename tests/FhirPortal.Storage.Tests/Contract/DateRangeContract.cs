using Hl7.Fhir.Model;
using static FhirPortal.Storage.Tests.Contract.TestResources;

namespace FhirPortal.Storage.Tests.Contract;

/// <summary>
/// Date searches bounded on one or both sides (search.html#date: values compare as ranges), over periods that lie
/// inside, straddle, cover or miss the bounds, open ones, and short values. A store may test both bounds of a
/// single-valued parameter on its one value; a multi-valued parameter's bounds may hold on different values.
/// </summary>
public abstract class DateRangeContract : StoreUnderTest
{
    // Encounter.date is Encounter.period: one value per resource. Periods by name; a missing side is open.
    private static readonly (string Name, string? Start, string? End)[] Periods =
    [
        ("inside", "2024-05-10", "2024-05-12"),
        ("low", "2024-04-28", "2024-05-03"),       // straddles 2024-05-01
        ("high", "2024-05-29", "2024-06-03"),      // straddles 2024-06-01
        ("covers", "2024-04-01", "2024-07-01"),
        ("before", "2024-03-01", "2024-03-05"),
        ("after", "2024-07-10", "2024-07-11"),
        ("open", "2024-05-20", null),
        ("openStart", null, "2024-04-15"),
        ("day", "2024-05-31", "2024-05-31"),
        ("instant", "2024-06-01T00:00:00Z", "2024-06-01T00:00:00Z"),
        ("inverted", "2024-05-20", "2024-05-02"),   // end before start (invalid, but a store keeps what it is given)
    ];

    [SkippableTheory]
    [InlineData("ge2024-05-01", "lt2024-06-01", "covers,day,high,inside,inverted,low,open")]
    [InlineData("gt2024-05-31", "le2024-06-01", "covers,high,instant,open")]
    [InlineData("sa2024-04-30", "eb2024-06-02", "day,inside,instant,inverted")]
    [InlineData("ne2024-05", "ge2024-05-01", "after,covers,high,instant,low,open")]
    [InlineData("ge2024-06-01", null, "after,covers,high,instant,open")]
    [InlineData("le2024-04-30", null, "before,covers,low,openStart")]
    [InlineData("gt2024-07-10", null, "after,open")]
    [InlineData("lt2024-04-01", null, "before,openStart")]
    [InlineData("eq2024-05", null, "day,inside,inverted")]
    [InlineData("eb2024-05-15", null, "before,inside,inverted,low,openStart")]
    public async Task Bounds_on_a_period_parameter_compare_its_range(string first, string? second, string expected)
    {
        await Store.CommitAsync(Batch(Periods.Select(p => Version(Encounter(p.Name, p.Start, p.End), 1)).ToArray()), None);
        var parameters = second is null ? new[] { ("date", first) } : [("date", first), ("date", second)];
        Assert.Equal(expected.Split(','), await IdsAsync("Encounter", parameters));
        if (second is not null)
        {
            // Both bounds together find exactly what each finds alone.
            var each = (await IdsAsync("Encounter", ("date", first))).Intersect(await IdsAsync("Encounter", ("date", second)));
            Assert.Equal(each.Order(StringComparer.Ordinal), await IdsAsync("Encounter", parameters));
        }
    }

    [SkippableFact]
    public async Task Bounds_on_a_multi_valued_parameter_may_hold_on_different_values()
    {
        // Observation.date includes effectiveTiming: one value per event, so ge and lt may each hold on another event.
        var both = Observation("both", "p", "1111-1");
        both.Effective = new Timing { EventElement = [new FhirDateTime("2024-03-01"), new FhirDateTime("2024-08-01")] };
        var neither = Observation("neither", "p", "1111-1");
        neither.Effective = new Timing { EventElement = [new FhirDateTime("2024-03-01")] };
        await Store.CommitAsync(Batch(Version(both, 1), Version(neither, 1)), None);
        Assert.Equal(["both"], await IdsAsync("Observation", ("date", "ge2024-05-01"), ("date", "lt2024-06-01")));
    }

    [SkippableFact]
    public async Task A_page_sorted_by_a_bounded_instant_walks_the_range_in_order()
    {
        var start = new DateTimeOffset(2024, 5, 1, 9, 0, 0, TimeSpan.Zero);
        var slots = Enumerable.Range(0, 30).Select(i => Slot($"s{i:00}", start.AddMinutes(30 * (29 - i)))).ToList();
        await Store.CommitAsync(Batch(slots.Select(s => Version(s, 1)).ToArray()), None);
        var query = Query("Slot", ("start", "ge2024-05-01T10:00:00Z"), ("start", "lt2024-05-01T20:00:00Z"), ("_sort", "start"), ("_count", "7"));
        var seen = new List<string>();
        for (string? cursor = null; seen.Count < 100;)
        {
            var page = await Store.SearchAsync(query with { Cursor = cursor }, None);
            seen.AddRange(page.Entries.Select(e => e.Key.Id));
            if ((cursor = page.NextCursor) is null) break;
        }
        // 10:00 .. 19:30 every half hour: s27 (10:00) down to s08 (19:30).
        Assert.Equal(Enumerable.Range(8, 20).Reverse().Select(i => $"s{i:00}"), seen);
    }

    private async Task<List<string>> IdsAsync(string type, params (string Name, string Value)[] parameters) =>
        (await Store.SearchAsync(Query(type, [.. parameters, ("_count", "100")]), None)).Entries
        .Select(e => e.Key.Id).Order(StringComparer.Ordinal).ToList();

    private static Encounter Encounter(string id, string? start, string? end) => new()
    {
        Id = id,
        Status = Hl7.Fhir.Model.Encounter.EncounterStatus.Finished,
        Class = new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB"),
        Period = new Period { Start = start, End = end },
    };

    private static Slot Slot(string id, DateTimeOffset start) => new()
    {
        Id = id,
        Schedule = new ResourceReference("Schedule/s"),
        Status = Hl7.Fhir.Model.Slot.SlotStatus.Free,
        Start = start,
        End = start.AddMinutes(30),
    };
}
