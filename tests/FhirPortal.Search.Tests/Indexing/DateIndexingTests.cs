using Hl7.Fhir.Model;

namespace FhirPortal.Search.Tests;

public sealed class DateIndexingTests
{
    private static DateTimeOffset Utc(int y, int m, int d, int h = 0, int mi = 0, int s = 0) => new(y, m, d, h, mi, s, TimeSpan.Zero);

    [Fact]
    public void Birth_date_is_the_span_of_its_precision()
    {
        var dates = Indexing.Indexer.Index(new Patient { BirthDate = "1974-12" }).Dates;

        Assert.Contains(new DateIndexValue("birthdate", Utc(1974, 12, 1), Utc(1975, 1, 1)), dates);
    }

    [Fact]
    public void Period_spans_start_to_end_in_utc_and_open_ends_are_unbounded()
    {
        var closed = new Observation { Effective = new Period(new FhirDateTime("2024-03-01T10:00:00+02:00"), new FhirDateTime("2024-03-02")) };
        var open = new Observation { Effective = new Period { Start = "2024-03-01" } };

        Assert.Contains(new DateIndexValue("date", Utc(2024, 3, 1, 8), Utc(2024, 3, 3)), Indexing.Indexer.Index(closed).Dates);
        Assert.Contains(new DateIndexValue("date", Utc(2024, 3, 1), DateTimeOffset.MaxValue), Indexing.Indexer.Index(open).Dates);
    }

    [Fact]
    public void Timing_events_and_repeat_bounds_are_dates()
    {
        var observation = new Observation
        {
            Effective = new Timing
            {
                Event = ["2024-05-01", "2024-05-03T12:00:00Z"],
                Repeat = new Timing.RepeatComponent { Bounds = new Period { Start = "2024-06-01", End = "2024-06-30" } },
            },
        };

        var dates = Indexing.Indexer.Index(observation).Dates.Where(d => d.Param == "date").ToList();

        Assert.Contains(new DateIndexValue("date", Utc(2024, 5, 1), Utc(2024, 5, 2)), dates);
        Assert.Contains(new DateIndexValue("date", Utc(2024, 5, 3, 12), Utc(2024, 5, 3, 12, 0, 1)), dates);
        Assert.Contains(new DateIndexValue("date", Utc(2024, 6, 1), Utc(2024, 7, 1)), dates);
    }

    [Fact]
    public void Last_updated_comes_from_meta()
    {
        var patient = new Patient { Meta = new Meta { LastUpdated = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.FromHours(1)) } };

        var dates = Indexing.Indexer.Index(patient).Dates;

        Assert.Contains(dates, d => d.Param == "_lastUpdated" && d.Start == Utc(2025, 1, 2, 2, 4, 5) && d.End > d.Start);
    }
}
