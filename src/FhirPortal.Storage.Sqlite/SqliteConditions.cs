using System.Text;
using FhirPortal.Search;
using Hl7.Fhir.Model;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// Translates search conditions into SQL predicates over a resource row alias (columns rid, type, id).
/// Positive conditions are <c>rid IN (subquery)</c> so SQLite can drive the query from the most selective index.
/// Index lookups seek on (param, type): only the rows of the resource types being searched (see SqliteSchema v10).
/// </summary>
internal sealed partial class SqliteConditions(SqlParameters p, IReadOnlyList<string>? types)
{
    // The largest code point: "x" || MaxChar bounds every string that starts with "x" (BINARY collation).
    private const string MaxChar = "char(1114111)";

    private int _aliases;

    // The types of the resources the condition being translated tests (null: any type). A chain's or _has's inner
    // condition tests other resources: their type holds while it is translated (see Within).
    private IReadOnlyList<string>? _types = types;

    /// <summary>Conditions on the resources a query searches: its type, or its <c>_type</c> list (none: any type).</summary>
    public static SqliteConditions For(SqlParameters p, SearchQuery query) =>
        new(p, query.ResourceType is { } type ? [type] : query.Types is { Count: > 0 } types ? types : null);

    /// <summary>One value test on an index table: the rows of <see cref="Param"/> in <see cref="Table"/> that satisfy the predicate.</summary>
    private sealed record ValueTest(string Table, string Param, Func<string, string> Predicate);

    public string Translate(SearchCondition condition, string r) => condition switch
    {
        IdCondition { Ids.Count: 0 } ids => ids.Not ? "1" : "0",
        IdCondition ids => $"{r}.id {(ids.Not ? "NOT IN" : "IN")} ({string.Join(", ", ids.Ids.Select(p.Add))})",
        TokenCondition { Modifier: TokenModifier.Not } not =>
            $"{r}.rid NOT IN ({Rows(Test(not with { Modifier = TokenModifier.None }))})",
        MissingCondition missing => Missing(missing, r),
        ChainCondition chain => Chain(chain, r),
        HasCondition has => Has(has, r),
        CompositeCondition composite => $"{r}.rid IN ({string.Join(" UNION ", composite.AnyOf.Select(Composite))})",
        TextCondition text =>
            $"{r}.rid IN (SELECT rowid FROM resource_text WHERE {(text.NarrativeOnly ? "narrative" : "resource_text")} MATCH {p.Add(FtsQuery(text.Query))})",
        CompartmentCondition c => Members(c.CompartmentType, [c.Id], r),
        AnyOfCondition any => AnyOf(any, r),
        TypeCondition { Types.Count: 0 } t => t.Not ? "1" : "0",
        TypeCondition t => $"{r}.type {(t.Not ? "NOT IN" : "IN")} ({string.Join(", ", t.Types.Select(p.Add))})",
        AnyCompartmentCondition c => Members(c.CompartmentType, c.Ids, r),
        CompartmentReferenceCondition c => CompartmentReference(c, r),
        CompartmentOwnerCondition c => CompartmentOwner(c, r),
        LastUpdatedCondition u => LastUpdated(u, r),
        DateCondition d => $"{r}.rid IN ({RowsOf(d)})",
        _ => $"{r}.rid IN ({Rows(Test(condition))})",
    };

    /// <summary>A plain value test on one index table: it can drive a search or be tested per candidate (<see cref="Probe"/>).</summary>
    public static bool IsValueTest(SearchCondition condition) =>
        condition is TokenCondition { Modifier: not TokenModifier.Not } or StringCondition or DateCondition or NumberCondition
            or QuantityCondition or ReferenceCondition or ReferenceIdentifierCondition or UriCondition;

    /// <summary>The rids of a value test's matching index rows.</summary>
    public string RowsOf(SearchCondition condition) => condition is DateCondition d
        ? d.AnyOf.Count == 0 ? "SELECT NULL WHERE 0" : string.Join(" UNION ALL ", d.AnyOf.Select(m => DateRows(d.Param, [m])))
        : Rows(Test(condition));

    /// <summary>
    /// The candidate has a matching row of its own. "+param" keeps SQLite on the rid index: through the (param, ...)
    /// lookup index it would scan every row of the parameter for each candidate.
    /// </summary>
    public string Probe(SearchCondition condition, string r)
    {
        var (test, a) = (Test(condition), Alias("e"));
        return $"EXISTS (SELECT 1 FROM {test.Table} {a} WHERE {a}.rid = {r}.rid AND +{a}.param = {p.Add(test.Param)} AND ({test.Predicate(a)}))";
    }

    private string All(IReadOnlyList<SearchCondition> conditions, string r) =>
        conditions.Count == 0 ? "1" : $"({string.Join(" AND ", conditions.Select(c => Translate(c, r)))})";

    private string Rows(ValueTest test)
    {
        var a = Alias("i");
        return $"SELECT {a}.rid FROM {test.Table} {a} WHERE {ParamIs(a, test.Param)} AND ({test.Predicate(a)})";
    }

    /// <summary>
    /// Alias <paramref name="a"/>'s row is one of <paramref name="param"/>'s rows of the types in scope. A system search
    /// without <c>_type</c> names every type: the parser accepts there only parameters every type defines, and with
    /// the type after param in the index, a seek per type keeps the value columns in the seek (no type: a scan of
    /// every row of the parameter).
    /// </summary>
    private string ParamIs(string a, string param) => $"{a}.param = {p.Add(param)}{OfType(a, _types ?? AllTypes.Value)}";

    /// <summary>The row belongs to a resource of the types in scope (nothing when any type will do).</summary>
    private string OfType(string a) => OfType(a, _types);

    private string OfType(string a, IReadOnlyList<string>? types) => types switch
    {
        null => "",
        [var one] => $" AND {a}.type = {p.Add(one)}",
        var many => $" AND {a}.type IN ({string.Join(", ", many.Select(TypeName))})",
    };

    // Several types are written into the SQL, not bound: one search may hold many lookups, each naming up to every
    // type (a system search without _type names all of them), and SQLite binds at most 32,766 values per statement.
    // Resource type names are letters only; anything else (never expected) is bound.
    private string TypeName(string type) => type.Length > 0 && type.All(char.IsAsciiLetter) ? $"'{type}'" : p.Add(type);

    private static readonly Lazy<IReadOnlyList<string>> AllTypes = new(() =>
        ModelInfo.SupportedResources.Where(t => t is not ("Resource" or "DomainResource") && ModelInfo.IsKnownResource(t)).ToList());

    /// <summary>Translates with <paramref name="type"/> in scope: an inner condition that tests resources of another type.</summary>
    private string Within(string type, Func<string> translate)
    {
        var outer = _types;
        _types = [type];
        try { return translate(); }
        finally { _types = outer; }
    }

    private ValueTest Test(SearchCondition condition) => condition switch
    {
        TokenCondition { Modifier: TokenModifier.Text } t => new("token_index", t.Param, a => Or(t.AnyOf, m => WordStart($"{a}.text", StringNormalizer.Normalize(m.Code)))),
        TokenCondition t => new("token_index", t.Param, a => Or(t.AnyOf, m => Token(a, "system", "code", m))),
        StringCondition s => new("string_index", s.Param, a => Or(s.AnyOf, v => String(a, v, s.Modifier))),
        DateCondition d => new("date_index", d.Param, a => Or(d.AnyOf, m => Date(a, DateSpan.Of(m)))),
        NumberCondition n => new("number_index", n.Param, a => Or(n.AnyOf, m => Number(a, "", m.Prefix, m.Value, m.Low, m.High))),
        QuantityCondition q => new("quantity_index", q.Param, a => Or(q.AnyOf, m => Quantity(a, m))),
        ReferenceCondition rc => new("reference_index", rc.Param, a => Or(rc.AnyOf, m => Reference(a, m))),
        ReferenceIdentifierCondition ri => new("reference_index", ri.Param, a => Or(ri.AnyOf, m => Token(a, "isys", "ival", m))),
        UriCondition u => new("uri_index", u.Param, a => Or(u.AnyOf, v => Uri(a, v, u.Modifier))),
        _ => throw new NotSupportedException($"The SQLite store cannot evaluate {condition.GetType().Name} here."),
    };

    private string Missing(MissingCondition missing, string r)
    {
        var a = Alias("n");
        return $"{r}.rid {(missing.Missing ? "NOT IN" : "IN")} (SELECT {a}.rid FROM {TableOf(missing.Type)} {a} WHERE {ParamIs(a, missing.Param)})";
    }

    /// <summary>Members of the type's compartments (<paramref name="ids"/> null: of any id) of the types in scope.</summary>
    private string Members(string compartmentType, IReadOnlyList<string>? ids, string r)
    {
        var a = Alias("m");
        return $"{r}.rid IN (SELECT {a}.rid FROM compartment_index {a} WHERE {Compartments(a, compartmentType, ids)}{OfType(a)})";
    }

    private string AnyOf(AnyOfCondition any, string r) => any.Alternatives.Count == 0 ? "0"
        : "(" + string.Join(" OR ", any.Alternatives.Select(all => All(all, r))) + ")";

    private string Compartments(string a, string type, IReadOnlyList<string>? ids) => ids is null
        ? $"{a}.ctype = {p.Add(type)}"
        : $"{a}.ctype = {p.Add(type)} AND {a}.cid IN ({(ids.Count == 0 ? "NULL" : string.Join(", ", ids.Select(p.Add)))})";

    /// <summary>
    /// Targets of the compartment members' references that are themselves in no compartment of the type. "+ctype" keeps
    /// the membership test on the rid index; through the (ctype, cid) index it would scan every member per target.
    /// </summary>
    private string CompartmentReference(CompartmentReferenceCondition c, string r)
    {
        var (m, x, t, o) = (Alias("m"), Alias("x"), Alias("t"), Alias("o"));
        // The member's type is on its index row: no resource lookup per member.
        var ignored = c.IgnoredMemberTypes is { Count: > 0 } ignoredTypes
            ? $"AND {m}.type NOT IN ({string.Join(", ", ignoredTypes.Select(p.Add))})"
            : "";
        return $"""
            {r}.rid IN (SELECT {t}.rid FROM compartment_index {m}
                CROSS JOIN reference_index {x} ON {x}.rid = {m}.rid
                CROSS JOIN resource {t} ON {t}.type = {x}.ttype AND {t}.id = {x}.tid
                WHERE {Compartments(m, c.CompartmentType, c.Ids)} {ignored}
                AND NOT EXISTS (SELECT 1 FROM compartment_index {o} WHERE {o}.rid = {t}.rid AND +{o}.ctype = {p.Add(c.CompartmentType)}))
            """;
    }

    /// <summary>Members of the compartments whose owner (a current resource of the compartment type) satisfies the owner condition.</summary>
    private string CompartmentOwner(CompartmentOwnerCondition c, string r)
    {
        var (m, o) = (Alias("m"), Alias("o"));
        return $"""
            {r}.rid IN (SELECT {m}.rid FROM resource {o}
                CROSS JOIN compartment_index {m} ON {m}.ctype = {o}.type AND {m}.cid = {o}.id{OfType(m)}
                WHERE {o}.type = {p.Add(c.CompartmentType)} AND {o}.deleted = 0 AND {Within(c.CompartmentType, () => Translate(c.Owner, o))})
            """;
    }

    private string LastUpdated(LastUpdatedCondition u, string r)
    {
        var parts = new List<string>();
        if (u.After is { } after) parts.Add($"{r}.last_updated > {p.Add(SqliteInstants.Floor(after))}");
        if (u.NotAfter is { } notAfter) parts.Add($"{r}.last_updated <= {p.Add(SqliteInstants.Floor(notAfter))}");
        return parts.Count == 0 ? "1" : "(" + string.Join(" AND ", parts) + ")";
    }

    /// <summary>The chain's reference points at a current resource of the target type that satisfies the inner condition.</summary>
    private string Chain(ChainCondition chain, string r)
    {
        var (x, t) = (Alias("x"), Alias("t"));
        return $"""
            {r}.rid IN (SELECT {x}.rid FROM reference_index {x}
                JOIN resource {t} ON {t}.type = {x}.ttype AND {t}.id = {x}.tid AND {t}.deleted = 0
                WHERE {ParamIs(x, chain.Param)} AND {x}.ttype = {p.Add(chain.TargetType)} AND {Within(chain.TargetType, () => Translate(chain.Inner, t))})
            """;
    }

    /// <summary>Some current resource of the source type references the candidate through the parameter and satisfies the inner condition.</summary>
    private string Has(HasCondition has, string r)
    {
        var (x, s) = (Alias("x"), Alias("s"));
        return $"""
            ({r}.type, {r}.id) IN (SELECT {x}.ttype, {x}.tid FROM reference_index {x}
                JOIN resource {s} ON {s}.rid = {x}.rid AND {s}.deleted = 0
                WHERE {x}.param = {p.Add(has.ReferenceParam)} AND {x}.type = {p.Add(has.SourceType)} AND {s}.type = {p.Add(has.SourceType)}
                AND {Within(has.SourceType, () => Translate(has.Inner, s))})
            """;
    }

    /// <summary>All components hold on one composite occurrence: same resource, same group.</summary>
    private string Composite(IReadOnlyList<SearchCondition> components)
    {
        var tests = components.Select(Test).ToList();
        var first = Alias("c");
        var sql = new StringBuilder($"SELECT {first}.rid FROM {tests[0].Table} {first} WHERE {ParamIs(first, tests[0].Param)} AND ({tests[0].Predicate(first)})");
        foreach (var test in tests.Skip(1))
        {
            var c = Alias("c");
            sql.Append($" AND EXISTS (SELECT 1 FROM {test.Table} {c} WHERE {c}.rid = {first}.rid AND {c}.grp = {first}.grp")
               .Append($" AND {c}.param = {p.Add(test.Param)} AND ({test.Predicate(c)}))");
        }
        return sql.ToString();
    }

    private string Token(string a, string systemColumn, string codeColumn, TokenMatch m)
    {
        var parts = new List<string>();
        if (m.Code is not null) parts.Add($"{a}.{codeColumn} = {p.Add(m.Code)}");
        if (m.Rule == SystemRule.Exact) parts.Add($"{a}.{systemColumn} = {p.Add(m.System)}");
        if (m.Rule == SystemRule.None) parts.Add($"{a}.{systemColumn} IS NULL");
        return parts.Count == 0 ? "1" : string.Join(" AND ", parts);
    }

    private string String(string a, string value, StringModifier modifier) => modifier switch
    {
        StringModifier.Exact => $"{a}.exact = {p.Add(value)}",
        StringModifier.Contains => $"instr({a}.norm, {p.Add(value)}) > 0",
        _ => StartsWith($"{a}.norm", value),
    };

    private string StartsWith(string column, string value)
    {
        var v = p.Add(value);
        return $"{column} >= {v} AND {column} < {v} || {MaxChar}";
    }

    /// <summary>Some word of the text starts with the value (for <c>:text</c> on display names).</summary>
    private string WordStart(string column, string value) => $"instr(' ' || {column}, ' ' || {p.Add(value)}) > 0";

    /// <summary>Number prefixes: eq/ne compare precision ranges, the others the value itself.</summary>
    private string Number(string a, string columnPrefix, Prefix prefix, decimal value, decimal low, decimal high)
    {
        var (v, lo, hi) = ($"{a}.{columnPrefix}value", $"{a}.{columnPrefix}low", $"{a}.{columnPrefix}high");
        // eq: the stored value lies in the search value's precision range (search.html#number), e.g. 0.50 finds 0.5;
        // a stored Range (whose low/high are not symmetric around its value) must lie inside it as a whole.
        string Within() =>
            $"(({lo} >= {p.Add((double)low)} AND {hi} <= {p.Add((double)high)}) OR " +
            $"({v} >= {p.Add((double)low)} AND {v} < {p.Add((double)high)} AND abs({lo} + {hi} - 2 * {v}) <= 1e-9 * (1 + abs({v}))))";
        var x = (double)value;
        return prefix switch
        {
            Prefix.Eq => Within(),
            Prefix.Ne => $"NOT {Within()}",
            Prefix.Gt => $"{v} > {p.Add(x)}",
            Prefix.Lt => $"{v} < {p.Add(x)}",
            Prefix.Ge => $"{v} >= {p.Add(x)}",
            Prefix.Le => $"{v} <= {p.Add(x)}",
            Prefix.Sa => $"{lo} >= {p.Add((double)high)}",
            Prefix.Eb => $"{hi} <= {p.Add((double)low)}",
            _ => $"{v} BETWEEN {p.Add(x - Math.Abs(x) * 0.1)} AND {p.Add(x + Math.Abs(x) * 0.1)}",
        };
    }

    private string Quantity(string a, QuantityMatch m)
    {
        if (m.CanonicalCode is not null && m.CanonicalValue is { } canonical)
        {
            // Compare in canonical UCUM units, so 7 mmol/L finds 126 mg/dL where UCUM can convert; the precision range scales.
            var factor = m.Value == 0 ? 1 : canonical / m.Value;
            var converted = $"{a}.ccode = {p.Add(m.CanonicalCode)} AND " +
                   Number(a, "c", m.Prefix, canonical, m.Value == 0 ? canonical : m.Low * factor, m.Value == 0 ? canonical : m.High * factor);
            // number||code names no system: values written with that code or unit (in any system, or none) match as written too.
            if (m.System is not null) return converted;
            return $"(({converted}) OR ({AsWritten(a, m)}))";
        }
        return AsWritten(a, m);
    }

    private string AsWritten(string a, QuantityMatch m)
    {
        var parts = new List<string>();
        if (m.System is not null) parts.Add($"{a}.system = {p.Add(m.System)}");
        if (m.Code is not null)
            parts.Add(m.System is null ? $"({a}.code = {p.Add(m.Code)} OR {a}.unit = {p.Add(m.Code)})" : $"{a}.code = {p.Add(m.Code)}");
        parts.Add(Number(a, "", m.Prefix, m.Value, m.Low, m.High));
        return string.Join(" AND ", parts);
    }

    private string Reference(string a, ReferenceMatch m)
    {
        var parts = new List<string>();
        if (m.Id is not null) parts.Add($"{a}.tid = {p.Add(m.Id)}");
        if (m.TargetType is not null) parts.Add($"{a}.ttype = {p.Add(m.TargetType)}");
        var local = parts.Count == 0 ? null : string.Join(" AND ", parts);
        var url = m.Url is null ? null : $"{a}.url = {p.Add(m.Url)}";
        return (local, url) switch
        {
            (null, null) => "0",
            (not null, null) => local,
            (null, not null) => url,
            _ => $"(({local}) OR {url})",
        };
    }

    private string Uri(string a, string value, UriModifier modifier) => modifier switch
    {
        // :above: the stored uri is the search value or one of its ancestors; :below: it lies under the search value.
        UriModifier.Above => $"substr({p.Add(value)}, 1, length({a}.value)) = {a}.value",
        UriModifier.Below => StartsWith($"{a}.value", value),
        _ => $"{a}.value = {p.Add(value)}",
    };

    public static string TableOf(SearchParamType type) => type switch
    {
        SearchParamType.Token => "token_index",
        SearchParamType.String => "string_index",
        SearchParamType.Date => "date_index",
        SearchParamType.Number => "number_index",
        SearchParamType.Quantity => "quantity_index",
        SearchParamType.Reference => "reference_index",
        SearchParamType.Uri => "uri_index",
        _ => throw new NotSupportedException($"Search parameters of type {type} have no index table."),
    };

    /// <summary>Every word of the query must occur; words are quoted so FTS5 operators in user input stay literal text.</summary>
    private static string FtsQuery(string query)
    {
        var words = query.Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
        return words.Length == 0 ? "\"\"" : string.Join(" ", words.Select(w => "\"" + w.Replace("\"", "\"\"") + "\""));
    }

    private static string Or<T>(IEnumerable<T> alternatives, Func<T, string> predicate)
    {
        var parts = alternatives.Select(a => "(" + predicate(a) + ")").ToList();
        return parts.Count == 0 ? "0" : string.Join(" OR ", parts);
    }

    private string Alias(string prefix) => prefix + _aliases++;
}
