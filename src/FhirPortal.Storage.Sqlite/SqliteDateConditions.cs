using FhirPortal.Search;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// Date conditions as range scans of <c>ix_date_lookup(param, start_ms, rid, end_ms)</c>. R4's prefixes compare the search
/// span [ps, pe) with an indexed span [s, e) (search.html#date), and several bound only e (gt: e &gt; pe), which no
/// start_ms range can use. But a value at most a day long has e − 1 day ≤ s ≤ e, so every prefix implies start_ms
/// bounds for such rows; the longer (or inverted) values have their own partial index <c>ix_date_long</c> and are
/// scanned there with the bounds that hold for every row. The prefix predicate itself still decides each row.
/// </summary>
internal sealed partial class SqliteConditions
{
    /// <summary>The longest "short" value: a day, so a date of day precision and anything finer is short.</summary>
    private const long DayMs = 86_400_000;

    /// <summary>
    /// The rows of <paramref name="param"/> that satisfy every one of <paramref name="allOf"/>: one match, or several
    /// of a single-valued parameter (start=ge X&amp;start=lt Y), whose one row must then satisfy them all.
    /// </summary>
    public string DateRows(string param, IReadOnlyList<DateMatch> allOf)
    {
        var spans = allOf.Select(DateSpan.Of).ToList();
        var every = spans.Aggregate(StartBounds.None, (b, s) => b.And(s.Bounds(shortValue: false)));
        var shortOnes = spans.Aggregate(StartBounds.None, (b, s) => b.And(s.Bounds(shortValue: true)));
        var rows = Branch(param, spans, shortOnes, longValues: false);
        return shortOnes == every ? rows : rows + " UNION ALL " + Branch(param, spans, every, longValues: true);
    }

    /// <summary>The one row of a walked single-valued parameter (alias <paramref name="w"/>): its short values' start range and every match.</summary>
    public string DateWalk(string param, IReadOnlyList<DateMatch> allOf, string w)
    {
        var spans = allOf.Select(DateSpan.Of).ToList();
        return string.Join(" AND ", Parts(w, param, spans, spans.Aggregate(StartBounds.None, (b, s) => b.And(s.Bounds(shortValue: true))), false));
    }

    /// <summary>The candidate's own row of the parameter satisfies every match (looked up by rid; "+param" as in <see cref="Probe"/>).</summary>
    public string DateProbe(string param, IReadOnlyList<DateMatch> allOf, string r)
    {
        var a = Alias("e");
        var tests = allOf.Select(m => "(" + Date(a, DateSpan.Of(m)) + ")");
        return $"EXISTS (SELECT 1 FROM date_index {a} WHERE {a}.rid = {r}.rid AND +{a}.param = {p.Add(param)} AND {string.Join(" AND ", tests)})";
    }

    /// <summary>ix_date_long's condition on alias <paramref name="a"/>, written as in its definition: SQLite uses a partial index only when a query repeats its condition.</summary>
    public static string LongValue(string a) => $"NOT ({a}.end_ms - {a}.start_ms BETWEEN 0 AND {DayMs})";

    private string Branch(string param, List<DateSpan> spans, StartBounds bounds, bool longValues)
    {
        var a = Alias("d");
        return $"SELECT {a}.rid FROM date_index {a}{(longValues ? " INDEXED BY ix_date_long" : "")} WHERE {string.Join(" AND ", Parts(a, param, spans, bounds, longValues))}";
    }

    private List<string> Parts(string a, string param, List<DateSpan> spans, StartBounds bounds, bool longValues)
    {
        var parts = new List<string> { ParamIs(a, param) };
        if (longValues) parts.Add(LongValue(a));
        if (bounds.Low is { } low) parts.Add($"{a}.start_ms >= {p.Add(low)}");
        if (bounds.High is { } high) parts.Add($"{a}.start_ms <= {p.Add(high)}");
        parts.AddRange(spans.Select(s => "(" + Date(a, s) + ")"));
        return parts;
    }

    /// <summary>R4 date prefixes over half-open spans: search [ps, pe), indexed value [start, end).</summary>
    private string Date(string a, DateSpan m)
    {
        var (s, e) = ($"{a}.start_ms", $"{a}.end_ms");
        string Within() => $"({s} >= {p.Add(m.Start)} AND {e} <= {p.Add(m.End)})";
        return m.Prefix switch
        {
            Prefix.Eq => Within(),
            Prefix.Ne => $"NOT {Within()}",
            Prefix.Gt => $"{e} > {p.Add(m.End)}",
            Prefix.Lt => $"{s} < {p.Add(m.Start)}",
            Prefix.Ge => $"({e} > {p.Add(m.End)} OR {Within()})",
            Prefix.Le => $"({s} < {p.Add(m.Start)} OR {Within()})",
            Prefix.Sa => $"{s} >= {p.Add(m.End)}",
            Prefix.Eb => $"{e} <= {p.Add(m.Start)}",
            _ => $"({s} < {p.Add(m.ApproxEnd)} AND {e} > {p.Add(m.ApproxStart)})",
        };
    }

    /// <summary>Inclusive bounds on start_ms; null is open.</summary>
    private readonly record struct StartBounds(long? Low, long? High)
    {
        public static readonly StartBounds None = new(null, null);

        public StartBounds And(StartBounds other) => new(
            Low is null ? other.Low : other.Low is null ? Low : Math.Max(Low.Value, other.Low.Value),
            High is null ? other.High : other.High is null ? High : Math.Min(High.Value, other.High.Value));
    }

    /// <summary>A match in Unix milliseconds; ap's widened span is fixed once so bounds and predicate agree.</summary>
    private sealed record DateSpan(Prefix Prefix, long Start, long End, long ApproxStart, long ApproxEnd)
    {
        public static DateSpan Of(DateMatch m)
        {
            var (ps, pe) = (SqliteInstants.Floor(m.Range.Start), SqliteInstants.Ceiling(m.Range.End));
            // ap: overlap with the search span widened by 10% of its distance from now (search.html#prefix).
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            return new DateSpan(m.Prefix, ps, pe, ps - (long)(Math.Abs(now - ps) * 0.1), pe + (long)(Math.Abs(pe - now) * 0.1));
        }

        /// <summary>
        /// start_ms bounds every matching row satisfies; <paramref name="shortValue"/>: every matching row whose value
        /// is at most a day long (0 ≤ e − s ≤ 1 day, so e − 1 day ≤ s ≤ e).
        /// </summary>
        public StartBounds Bounds(bool shortValue) => Prefix switch
        {
            Prefix.Eq => new(Start, shortValue ? End : null),               // s ≥ ps; short: s ≤ e ≤ pe
            Prefix.Gt => shortValue ? new(End - DayMs, null) : StartBounds.None, // short: s ≥ e − day > pe − day
            Prefix.Lt => new(null, Start - 1),                               // s < ps
            Prefix.Ge => shortValue ? new(Start - DayMs, null) : StartBounds.None, // e > pe or s ≥ ps; short: s > ps − day
            Prefix.Le => shortValue ? new(null, End) : StartBounds.None,     // s < ps or e ≤ pe; short: s ≤ e ≤ pe
            Prefix.Sa => new(End, null),                                     // s ≥ pe
            Prefix.Eb => shortValue ? new(null, Start) : StartBounds.None,   // short: s ≤ e ≤ ps
            Prefix.Ap => new(shortValue ? ApproxStart - DayMs : null, ApproxEnd - 1),
            _ => StartBounds.None,                                           // ne: no range
        };
    }
}
