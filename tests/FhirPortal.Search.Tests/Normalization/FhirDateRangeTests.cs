namespace FhirPortal.Search.Tests;

public sealed class FhirDateRangeTests
{
    [Theory]
    [InlineData("2024", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z")]
    [InlineData("2024-02", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z")]
    [InlineData("2024-02-29", "2024-02-29T00:00:00Z", "2024-03-01T00:00:00Z")]
    [InlineData("2024-02-29T10:15", "2024-02-29T10:15:00Z", "2024-02-29T10:16:00Z")]
    [InlineData("2024-02-29T10:15:30+02:00", "2024-02-29T08:15:30Z", "2024-02-29T08:15:31Z")]
    public void A_date_spans_its_precision(string value, string start, string end)
    {
        Assert.True(FhirDateRange.TryParse(value, out var range));
        Assert.Equal(DateTimeOffset.Parse(start), range.Start);
        Assert.Equal(DateTimeOffset.Parse(end), range.End);
    }

    [Theory]
    [InlineData("2020-01-01T00:00:00+24:00")]
    [InlineData("2020-01-01T00:00:00-24:00")]
    [InlineData("2020-01-01T00:00:00+14:01")]
    [InlineData("2020-01-01T00:00:00+15:00")]
    [InlineData("2020-01-01T00:00:00+02:60")]
    [InlineData("2020-01-01T00:00:00+99:99")]
    [InlineData("2020-01-01T24:00:00Z")]
    [InlineData("2020-13-01")]
    public void An_impossible_date_or_offset_is_refused_without_throwing(string value) =>
        Assert.False(FhirDateRange.TryParse(value, out _));

    [Fact]
    public void The_widest_fhir_offsets_parse()
    {
        Assert.True(FhirDateRange.TryParse("2020-01-01T00:00:00+14:00", out var east));
        Assert.Equal(DateTimeOffset.Parse("2019-12-31T10:00:00Z"), east.Start);
        Assert.True(FhirDateRange.TryParse("2020-01-01T00:00:00-14:00", out var west));
        Assert.Equal(DateTimeOffset.Parse("2020-01-01T14:00:00Z"), west.Start);
    }

    [Fact]
    public void Every_millisecond_parses_to_exactly_that_instant()
    {
        // A floating-point fraction once put e.g. .123 one tick before 123 ms, so `_at` at a write's own instant missed it.
        var second = new DateTimeOffset(2026, 11, 23, 15, 52, 41, TimeSpan.Zero);
        for (var ms = 0; ms < 1000; ms++)
        {
            var instant = second.AddMilliseconds(ms);
            Assert.True(FhirDateRange.TryParse(instant.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"), out var range));
            Assert.Equal(instant, range.Start);
        }
        Assert.True(FhirDateRange.TryParse("2026-11-23T15:52:41.1234567891Z", out var fine));
        Assert.Equal(second.AddTicks(1_234_567), fine.Start);
    }

    [Theory]
    [InlineData("2024-13")]
    [InlineData("2024-02-30")]
    [InlineData("yesterday")]
    [InlineData("2024-1-1")]
    public void Invalid_dates_are_rejected(string value) => Assert.False(FhirDateRange.TryParse(value, out _));
}
