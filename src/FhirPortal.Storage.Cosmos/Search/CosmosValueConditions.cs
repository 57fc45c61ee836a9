using FhirPortal.Search;
using static FhirPortal.Storage.Cosmos.CosmosDnf;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// The value tests of <see cref="CosmosConditions"/>, each the SQLite store's predicate (SqliteConditions) over one
/// entry "x" of an embedded index array, built in disjunctive normal form (<see cref="CosmosDnf"/>; negations pushed
/// down to the atoms). Numbers always travel as parameters: the emulator's parser rejects literals such as 1e-9.
/// </summary>
internal sealed partial class CosmosConditions
{
    /// <summary>One value test: the entries of <see cref="Param"/> in index array <see cref="Array"/> that satisfy the predicate.</summary>
    private sealed record ValueTest(string Array, string Param, Func<string, CosmosDnf> Predicate);

    private string Exists(ValueTest test) => Exists(test.Array, test.Param, test.Predicate);

    private ValueTest Test(SearchCondition condition) => condition switch
    {
        TokenCondition { Modifier: TokenModifier.Text } t =>
            new("tok", t.Param, x => Any(t.AnyOf.Select(m => Atom($"CONTAINS(CONCAT(\" \", {x}.t), {Add(" " + StringNormalizer.Normalize(m.Code))})")))),
        TokenCondition t => new("tok", t.Param, x => Any(t.AnyOf.Select(m => Token(x, "s", "c", m)))),
        StringCondition s => new("str", s.Param, x => Any(s.AnyOf.Select(v => String(x, v, s.Modifier)))),
        DateCondition d => new("dt", d.Param, x => Any(d.AnyOf.Select(m => Date(x, m)))),
        NumberCondition n => new("num", n.Param, x => Any(n.AnyOf.Select(m => Number(x, "", m.Prefix, m.Value, m.Low, m.High)))),
        QuantityCondition q => new("qty", q.Param, x => Any(q.AnyOf.Select(m => Quantity(x, m)))),
        ReferenceCondition r => new("ref", r.Param, x => Any(r.AnyOf.Select(m => Reference(x, m)))),
        ReferenceIdentifierCondition ri => new("ref", ri.Param, x => Any(ri.AnyOf.Select(m => Token(x, "is", "iv", m)))),
        UriCondition u => new("uri", u.Param, x => Any(u.AnyOf.Select(v => Uri(x, v, u.Modifier)))),
        _ => throw new StoreNotSupportedException(
            $"The Cosmos DB store cannot evaluate {Describe(condition)} as a composite component; this search is not available on this server."),
    };

    /// <summary>
    /// Some alternative's components all hold on one composite occurrence: entries of the same document with the same
    /// group "g". The alternatives share the first component's parameter, so they share one EXISTS over its entries.
    /// </summary>
    private string Composite(CompositeCondition composite)
    {
        var alternatives = composite.AnyOf.Where(a => a.Count > 0).ToList();
        if (alternatives.Count < composite.AnyOf.Count) return "true";
        if (alternatives.Count == 0) return "false";
        var first = "x" + _aliases++;
        var firstTest = Test(alternatives[0][0]);
        var where = Any(alternatives.Select(components =>
        {
            var tests = components.Select(Test).ToList();
            if (tests[0].Array != firstTest.Array || tests[0].Param != firstTest.Param)
                throw new StoreNotSupportedException($"The alternatives of the composite parameter '{composite.Param}' name different components.");
            var others = tests.Skip(1).Select(test =>
            {
                var y = "x" + _aliases++;
                var inner = All(Atom($"{y}.g = {first}.g"), Atom($"{y}.p = {Add(test.Param)}"), test.Predicate(y));
                return Atom($"EXISTS(SELECT VALUE {y} FROM {y} IN c.{test.Array} WHERE {inner})");
            });
            return All([tests[0].Predicate(first), .. others]);
        }));
        return $"EXISTS(SELECT VALUE {first} FROM {first} IN c.{firstTest.Array} WHERE {All(Atom($"{first}.p = {Add(firstTest.Param)}"), where)})";
    }

    private CosmosDnf Token(string x, string system, string code, TokenMatch m)
    {
        var parts = new List<CosmosDnf>();
        if (m.Code is not null) parts.Add(Atom($"{x}.{code} = {Add(m.Code)}"));
        if (m.Rule == SystemRule.Exact) parts.Add(Atom($"{x}.{system} = {Add(m.System)}"));
        if (m.Rule == SystemRule.None) parts.Add(Atom($"NOT IS_DEFINED({x}.{system})"));
        return All(parts);
    }

    private CosmosDnf String(string x, string value, StringModifier modifier) => Atom(modifier switch
    {
        StringModifier.Exact => $"{x}.e = {Add(value)}",
        StringModifier.Contains => $"CONTAINS({x}.n, {Add(value)})",
        _ => $"STARTSWITH({x}.n, {Add(value)})",
    });

    /// <summary>R4 date prefixes over half-open spans, as the SQLite store: search [ps, pe), indexed value [s, e).</summary>
    private CosmosDnf Date(string x, DateMatch m)
    {
        var (ps, pe) = (CosmosIndexJson.Ms(m.Range.Start), CosmosIndexJson.CeilingMs(m.Range.End));
        var (s, e) = ($"{x}.s", $"{x}.e");
        CosmosDnf Within() => All(Atom($"{s} >= {Add(ps)}"), Atom($"{e} <= {Add(pe)}"));
        switch (m.Prefix)
        {
            case Prefix.Eq: return Within();
            case Prefix.Ne: return Any(Atom($"{s} < {Add(ps)}"), Atom($"{e} > {Add(pe)}"));
            case Prefix.Gt: return Atom($"{e} > {Add(pe)}");
            case Prefix.Lt: return Atom($"{s} < {Add(ps)}");
            case Prefix.Ge: return Any(Atom($"{e} > {Add(pe)}"), Within());
            case Prefix.Le: return Any(Atom($"{s} < {Add(ps)}"), Within());
            case Prefix.Sa: return Atom($"{s} >= {Add(pe)}");
            case Prefix.Eb: return Atom($"{e} <= {Add(ps)}");
            default:
                // ap: overlap with the search span widened by 10% of its distance from now (search.html#prefix).
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var widenLow = (long)(Math.Abs(now - ps) * 0.1);
                var widenHigh = (long)(Math.Abs(pe - now) * 0.1);
                return All(Atom($"{s} < {Add(pe + widenHigh)}"), Atom($"{e} > {Add(ps - widenLow)}"));
        }
    }

    /// <summary>
    /// Number prefixes as the SQLite store: eq/ne compare precision ranges, the others the value itself. Fields are
    /// v/lo/hi, or cv/cl/ch for canonical quantities (<paramref name="canonical"/> = "c"); "ay"/"cay" flags a stored
    /// range that is not symmetric around its value with 1, else 0 (CosmosIndexJson runs SQLite's test at write time).
    /// </summary>
    private CosmosDnf Number(string x, string canonical, Prefix prefix, decimal value, decimal low, decimal high)
    {
        var (v, lo, hi, asymmetric) = canonical.Length == 0
            ? ($"{x}.v", $"{x}.lo", $"{x}.hi", $"{x}.ay")
            : ($"{x}.cv", $"{x}.cl", $"{x}.ch", $"{x}.cay");
        var symmetric = Add(0L);
        var (l, h, d) = ((double)low, (double)high, (double)value);
        switch (prefix)
        {
            case Prefix.Eq:
                // The stored value lies in the search value's precision range (0.50 finds 0.5), or a stored Range lies inside it.
                return Any(
                    All(Atom($"{lo} >= {Add(l)}"), Atom($"{hi} <= {Add(h)}")),
                    All(Atom($"{v} >= {Add(l)}"), Atom($"{v} < {Add(h)}"), Atom($"{asymmetric} = {symmetric}")));
            case Prefix.Ne:
                return All(
                    Any(Atom($"{lo} < {Add(l)}"), Atom($"{hi} > {Add(h)}")),
                    Any(Atom($"{v} < {Add(l)}"), Atom($"{v} >= {Add(h)}"), Atom($"{asymmetric} != {symmetric}")));
            case Prefix.Gt: return Atom($"{v} > {Add(d)}");
            case Prefix.Lt: return Atom($"{v} < {Add(d)}");
            case Prefix.Ge: return Atom($"{v} >= {Add(d)}");
            case Prefix.Le: return Atom($"{v} <= {Add(d)}");
            case Prefix.Sa: return Atom($"{lo} >= {Add(h)}");
            case Prefix.Eb: return Atom($"{hi} <= {Add(l)}");
            default: return All(Atom($"{v} >= {Add(d - Math.Abs(d) * 0.1)}"), Atom($"{v} <= {Add(d + Math.Abs(d) * 0.1)}"));
        }
    }

    private CosmosDnf Quantity(string x, QuantityMatch m)
    {
        if (m.CanonicalCode is not null && m.CanonicalValue is { } canonical)
        {
            // Compare in canonical UCUM units where UCUM converts (7 mmol/L finds 126 mg/dL); the precision range scales.
            var factor = m.Value == 0 ? 1 : canonical / m.Value;
            var converted = All(Atom($"{x}.cc = {Add(m.CanonicalCode)}"), Number(x, "c", m.Prefix, canonical,
                m.Value == 0 ? canonical : m.Low * factor, m.Value == 0 ? canonical : m.High * factor));
            // number||code names no system: values written with that code or unit (in any system, or none) match as written too.
            return m.System is not null ? converted : Any(converted, AsWritten(x, m));
        }
        return AsWritten(x, m);
    }

    private CosmosDnf AsWritten(string x, QuantityMatch m)
    {
        var parts = new List<CosmosDnf>();
        if (m.System is not null) parts.Add(Atom($"{x}.s = {Add(m.System)}"));
        if (m.Code is not null)
        {
            var code = Add(m.Code);
            parts.Add(m.System is null ? Any(Atom($"{x}.c = {code}"), Atom($"{x}.u = {code}")) : Atom($"{x}.c = {code}"));
        }
        parts.Add(Number(x, "", m.Prefix, m.Value, m.Low, m.High));
        return All(parts);
    }

    private CosmosDnf Reference(string x, ReferenceMatch m)
    {
        var local = new List<CosmosDnf>();
        if (m.Id is not null) local.Add(Atom($"{x}.ti = {Add(m.Id)}"));
        if (m.TargetType is not null) local.Add(Atom($"{x}.tt = {Add(m.TargetType)}"));
        var url = m.Url is null ? null : Atom($"{x}.u = {Add(m.Url)}");
        return (local.Count, url) switch
        {
            (0, null) => False,
            (_, null) => All(local),
            (0, not null) => url,
            _ => Any(All(local), url),
        };
    }

    private CosmosDnf Uri(string x, string value, UriModifier modifier) => Atom(modifier switch
    {
        UriModifier.Above => $"STARTSWITH({Add(value)}, {x}.v)",
        UriModifier.Below => $"STARTSWITH({x}.v, {Add(value)})",
        _ => $"{x}.v = {Add(value)}",
    });

    /// <summary>
    /// _text (narrative) or _content (all text, the narrative included): every query word occurs as a phrase of
    /// whole tokens (see <see cref="CosmosTextIndex"/>).
    /// </summary>
    private CosmosDnf Text(TextCondition text)
    {
        var phrases = CosmosTextIndex.Phrases(text.Query);
        if (phrases.Count == 0) return False;
        var tokens = text.NarrativeOnly
            ? $"SUBSTRING(c.{CosmosTextIndex.Text}, c.{CosmosTextIndex.NarrativeOffset}, {Add(int.MaxValue)})"
            : $"c.{CosmosTextIndex.Text}";
        return All(phrases.Select(phrase => Atom($"CONTAINS({tokens}, {Add(phrase)})")));
    }
}
