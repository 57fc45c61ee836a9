using FhirPortal.Search;
using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// How a search's value conditions meet the resource table. SQLite builds every "rid IN (subquery)" in full, so one
/// broad condition (Slot status=free: nearly every slot) cost all its rows whatever the others narrowed. With several,
/// each is first counted up to <see cref="Broad"/> rows: the smallest drives as "rid IN (...)" and the others are tested
/// per candidate on its own index rows (EXISTS). When all are broad and the page is sorted by a bounded single-valued
/// date, the date index is walked in order instead, and the walk stops after the page.
/// </summary>
internal sealed record SqlitePlan(IReadOnlyList<SqliteTerm> Terms, SqliteTerm? Driver, SqliteTerm? Walk)
{
    /// <summary>A condition with more index rows than this is broad; counting stops there.</summary>
    private const int Broad = 1000;

    /// <summary>A condition this narrow drives well enough: the others are not counted.</summary>
    private const int Narrow = 20;

    /// <summary>Every term as "rid IN (...)": the plan of a query with at most one value condition.</summary>
    public bool Probes => Driver is not null || Walk is not null;

    public static async Task<SqlitePlan> ChooseAsync(
        SqliteStatementCache db, SqliteTransaction? tx, SearchQuery query, SearchParameterRegistry registry, bool sorted, CancellationToken ct)
    {
        var terms = SqliteTerm.Of(query, registry);
        var walkable = sorted ? Walkable(query, terms) : null;
        // Other narrowing conditions (compartment, chain, _has, text, ...) keep the form SQLite chooses among itself.
        if (query.Conditions.Any(c => SqliteSearch.IsSelective(c) && !SqliteConditions.IsValueTest(c))
            || terms.Count + (walkable is null ? 0 : 1) < 2)
            return new SqlitePlan(terms, null, null);

        SqliteTerm? smallest = null;
        var least = long.MaxValue;
        foreach (var term in terms)
        {
            var count = await CountUpToAsync(db, tx, query, term, ct);
            if (count < least) (smallest, least) = (term, count);
            if (count <= Narrow) break;
        }
        if (least > Broad && walkable is not null && !await HasLongValuesAsync(db, tx, query.ResourceType!, walkable.DateParam!, ct))
            return new SqlitePlan(terms, null, walkable);
        return new SqlitePlan(terms, smallest, null);
    }

    /// <summary>The date term of the first sort key when it is ascending and single-valued: every match has its one value.</summary>
    private static SqliteTerm? Walkable(SearchQuery query, IReadOnlyList<SqliteTerm> terms) =>
        query.Sort is [{ Descending: false } first, ..] ? terms.FirstOrDefault(t => t.DateParam == first.Param) : null;

    private static async Task<long> CountUpToAsync(SqliteStatementCache db, SqliteTransaction? tx, SearchQuery query, SqliteTerm term, CancellationToken ct)
    {
        await using var cmd = db.Build(tx);
        var p = new SqlParameters(cmd);
        cmd.CommandText = $"SELECT COUNT(*) FROM (SELECT 1 FROM ({term.Rows(SqliteConditions.For(p, query))}) LIMIT {p.Add(Broad + 1)})";
        return Convert.ToInt64(await db.Prepared(cmd).ExecuteScalarAsync(ct));
    }

    /// <summary>Values longer than a day are not in the walked index range (see SqliteDateConditions); a walk needs none.</summary>
    private static async Task<bool> HasLongValuesAsync(SqliteStatementCache db, SqliteTransaction? tx, string type, string param, CancellationToken ct)
    {
        await using var cmd = db.Build(tx);
        var p = new SqlParameters(cmd);
        cmd.CommandText = $"SELECT EXISTS (SELECT 1 FROM date_index d INDEXED BY ix_date_long WHERE d.param = {p.Add(param)} AND d.type = {p.Add(type)} AND {SqliteConditions.LongValue("d")})";
        return Convert.ToInt64(await db.Prepared(cmd).ExecuteScalarAsync(ct)) == 1;
    }
}

/// <summary>One value test of a search on one index table: a condition, or every bound of one single-valued date parameter.</summary>
internal sealed record SqliteTerm(SearchCondition? Condition, string? DateParam = null, IReadOnlyList<DateMatch>? AllOf = null)
{
    /// <summary>The candidate's rid is among the matching rows (the whole set is built once).</summary>
    public string In(SqliteConditions c, string r) =>
        Condition is not null ? c.Translate(Condition, r) : $"{r}.rid IN ({c.DateRows(DateParam!, AllOf!)})";

    /// <summary>The candidate has a matching row of its own (looked up by rid).</summary>
    public string Exists(SqliteConditions c, string r) =>
        Condition is not null ? c.Probe(Condition, r) : c.DateProbe(DateParam!, AllOf!, r);

    public string Rows(SqliteConditions c) => Condition is not null ? c.RowsOf(Condition) : c.DateRows(DateParam!, AllOf!);

    /// <summary>
    /// The query's value conditions: one term per condition, except that the one-value conditions of a single-valued
    /// date parameter (start=ge X&amp;start=lt Y) form one term, since they all hold on its one index row.
    /// </summary>
    public static IReadOnlyList<SqliteTerm> Of(SearchQuery query, SearchParameterRegistry registry)
    {
        var terms = new List<SqliteTerm>();
        var dates = new Dictionary<string, List<DateMatch>>(StringComparer.Ordinal);
        foreach (var condition in query.Conditions.Where(SqliteConditions.IsValueTest))
        {
            if (condition is DateCondition { AnyOf: [var match] } date && query.ResourceType is { } type
                && registry.TryGet(type, date.Param, out var parameter) && parameter.SingleDateValue)
            {
                if (!dates.TryGetValue(date.Param, out var all)) terms.Add(new SqliteTerm(null, date.Param, dates[date.Param] = all = []));
                all.Add(match);
            }
            else terms.Add(new SqliteTerm(condition));
        }
        return terms;
    }
}
