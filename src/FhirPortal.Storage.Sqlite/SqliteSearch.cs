using System.Text;
using FhirPortal.Search;
using Hl7.Fhir.Model;
using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>Runs a <see cref="SearchQuery"/>: filter, sort with keyset paging, optional total, then includes.</summary>
internal static class SqliteSearch
{
    public static async Task<Page> QueryAsync(SqliteStatementCache db, SearchQuery query, SearchParameterRegistry registry, CancellationToken ct)
    {
        long? total = Page.Counts(query) ? await CountAsync(db, query, registry, ct) : null;
        if (query.Count == 0) return new Page([], null) { Total = total };

        await using var cmd = db.Build();
        var (sortCount, cursor, backward) = await PrepareAsync(cmd, db, query, registry, ct);
        var rows = new List<(long Rid, StoredResource Resource, object?[] SortValues)>();
        var more = false;
        await using (var reader = await db.Prepared(cmd).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                if (rows.Count == query.Count)
                {
                    more = true;
                    break;
                }
                var values = new object?[sortCount];
                for (var i = 0; i < sortCount; i++) values[i] = reader.IsDBNull(1 + SqliteRows.Width + i) ? null : reader.GetValue(1 + SqliteRows.Width + i);
                rows.Add((reader.GetInt64(0), SqliteRows.ToStoredResource(reader, 1), values));
            }
        }
        if (backward) rows.Reverse();
        string? next = null, previous = null;
        if (rows.Count > 0)
        {
            if (backward ? cursor is not null : more) next = new SqliteCursor(rows[^1].SortValues, rows[^1].Rid).Encode();
            if (backward ? more : cursor is not null) previous = new SqliteCursor(rows[0].SortValues, rows[0].Rid, Backward: true).Encode();
        }
        var entries = rows.Select(r => r.Resource).ToList();
        var included = query.Includes.Count + query.RevIncludes.Count == 0
            ? []
            : await SqliteIncludes.FindAsync(db.Connection, query, entries, rows.Select(r => r.Rid).ToList(), registry, ct);
        total ??= Page.KnownTotal(query, entries.Count, next)
                  ?? (query.Total == TotalMode.IfKnown ? await CountUpToAsync(db, query, registry, CheapCountLimit, ct) : null);
        return new Page(entries, next) { PreviousCursor = previous, Included = included, Total = total };
    }

    /// <summary>The page query (<see cref="SqlitePlan"/>): sorted, after the cursor, one row more than the page.</summary>
    private static async Task<(int SortCount, SqliteCursor? Cursor, bool Backward)> PrepareAsync(
        SqliteCommand cmd, SqliteStatementCache db, SearchQuery query, SearchParameterRegistry registry, CancellationToken ct)
    {
        var p = new SqlParameters(cmd);
        var plan = await SqlitePlan.ChooseAsync(db, null, query, registry, sorted: true, ct);
        var where = Where(p, query, "r", plan);
        var sorts = query.Sort.Select(k => SortExpression(p, query, k, registry)).ToList();
        // A walk of the first sort key's date index reads the key from the walked row (w, see SqlitePlan), never null.
        var walk = plan.Walk is not null;
        if (walk) sorts[0] = new Sort("w.start_ms", false);
        var cursor = query.Cursor is null ? null : SqliteCursor.Decode(query.Cursor, sorts.Count);
        // A backward cursor (the previous link) walks the same order reversed, then flips the page back.
        var backward = cursor?.Backward == true;
        // A walk's tie-break is the walked row's rid (equal to r.rid): the index holds it after start_ms, so the walk
        // reads a group of equal starts in page order, and the cursor test is decided on the index row.
        var rid = walk ? "w.rid" : "r.rid";
        if (cursor is not null) where.Append(" AND ").Append(AfterCursor(p, sorts, cursor, backward, rid));
        if (walk && cursor?.SortValues[0] is { } from) where.Append($" AND w.start_ms {(backward ? "<=" : ">=")} {p.Add(from)}");

        var sortColumns = string.Concat(sorts.Select((s, i) => $", {s.Expression} AS s{i}"));
        var orderBy = string.Join(", ", sorts.SelectMany((s, i) => walk && i == 0
            ? [$"s0{(backward ? " DESC" : "")}"]
            : new[]
            {
                $"(s{i} IS NULL){(backward ? " DESC" : "")}",
                $"s{i}{(s.Descending != backward ? " DESC" : "")}",
            }).Append($"{rid}{(backward ? " DESC" : "")}"));
        // CROSS JOIN keeps the walked index as the outer loop, so the rows come in key order and LIMIT ends the walk.
        cmd.CommandText = $"""
            SELECT r.rid, {SqliteRows.Columns}{sortColumns}
            FROM {(walk ? "date_index w CROSS JOIN resource r ON r.rid = w.rid" : "resource r")} JOIN resource_version v ON v.rid = r.rid AND v.version = r.version
            WHERE {where}
            ORDER BY {orderBy} LIMIT {p.Add(query.Count + 1)}
            """;

        return (sorts.Count, cursor, backward);
    }

    /// <summary>SQLite's plan of a search's page query (EXPLAIN QUERY PLAN details), for tests and notes.</summary>
    internal static async Task<IReadOnlyList<string>> ExplainAsync(SqliteStatementCache db, SearchQuery query, SearchParameterRegistry registry, CancellationToken ct)
    {
        await using var cmd = db.Build();
        await PrepareAsync(cmd, db, query, registry, ct);
        cmd.CommandText = "EXPLAIN QUERY PLAN " + cmd.CommandText;
        var plan = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) plan.Add(reader.GetString(3));
        return plan;
    }

    /// <summary>
    /// Without <c>_total</c>, a search still gets its total when counting is cheap: the count stops after this many
    /// matches (a bounded index walk), and a larger result has no total rather than a slow one.
    /// </summary>
    internal const int CheapCountLimit = 1000;

    private static async Task<long?> CountUpToAsync(SqliteStatementCache db, SearchQuery query, SearchParameterRegistry registry, int limit, CancellationToken ct)
    {
        await using var cmd = db.Build();
        var p = new SqlParameters(cmd);
        var plan = await SqlitePlan.ChooseAsync(db, null, query, registry, sorted: false, ct);
        cmd.CommandText = $"SELECT COUNT(*) FROM (SELECT 1 FROM resource r WHERE {Where(p, query, "r", plan)} LIMIT {p.Add(limit + 1)})";
        var count = Convert.ToInt64(await db.Prepared(cmd).ExecuteScalarAsync(ct));
        return count <= limit ? count : null;
    }

    public static async Task<bool> AnyMatchAsync(SqliteStatementCache db, SqliteTransaction tx, SearchQuery query, SearchParameterRegistry registry, CancellationToken ct)
    {
        await using var cmd = db.Build(tx);
        var plan = await SqlitePlan.ChooseAsync(db, tx, query, registry, sorted: false, ct);
        cmd.CommandText = $"SELECT EXISTS (SELECT 1 FROM resource r WHERE {Where(new SqlParameters(cmd), query, "r", plan)})";
        return Convert.ToInt64(await db.Prepared(cmd).ExecuteScalarAsync(ct)) == 1;
    }

    private static async Task<long> CountAsync(SqliteStatementCache db, SearchQuery query, SearchParameterRegistry registry, CancellationToken ct)
    {
        await using var cmd = db.Build();
        var plan = await SqlitePlan.ChooseAsync(db, null, query, registry, sorted: false, ct);
        cmd.CommandText = $"SELECT COUNT(*) FROM resource r WHERE {Where(new SqlParameters(cmd), query, "r", plan)}";
        return Convert.ToInt64(await db.Prepared(cmd).ExecuteScalarAsync(ct));
    }

    private static StringBuilder Where(SqlParameters p, SearchQuery query, string r, SqlitePlan plan)
    {
        var sql = new StringBuilder($"{r}.deleted = 0");
        // With a selective condition, "+type" stops SQLite from walking every resource of the type and lets it
        // drive from that condition's index (rid IN (...)); without one the type index is the best start.
        var typeColumn = query.Conditions.Any(IsSelective) ? $"+{r}.type" : $"{r}.type";
        if (query.ResourceType is not null) sql.Append($" AND {typeColumn} = {p.Add(query.ResourceType)}");
        else if (query.Types is { Count: > 0 } types) sql.Append($" AND {r}.type IN ({string.Join(", ", types.Select(p.Add))})");
        var conditions = SqliteConditions.For(p, query);
        foreach (var condition in query.Conditions.Where(c => !SqliteConditions.IsValueTest(c)))
            sql.Append(" AND ").Append(conditions.Translate(condition, r));
        foreach (var term in plan.Terms)
            sql.Append(" AND ").Append(
                ReferenceEquals(term, plan.Walk) ? conditions.DateWalk(term.DateParam!, term.AllOf!, "w")
                : !plan.Probes || ReferenceEquals(term, plan.Driver) ? term.In(conditions, r)
                : term.Exists(conditions, r));
        return sql;
    }

    // Conditions that are not "rid IN (a narrow subquery)": negations, and id/_has which use the (type, id) index.
    internal static bool IsSelective(SearchCondition condition) => condition switch
    {
        TokenCondition { Modifier: TokenModifier.Not } or MissingCondition { Missing: true } or IdCondition or HasCondition => false,
        TypeCondition or LastUpdatedCondition => false,
        AnyOfCondition any => any.Alternatives.Count > 0 && any.Alternatives.All(all => all.Any(IsSelective)),
        _ => true,
    };

    private sealed record Sort(string Expression, bool Descending);

    /// <summary>
    /// A sort key's value per resource: the lowest indexed value ascending, the highest descending (search.html#sort
    /// leaves multi-valued order to the server). Resources without a value sort last either way.
    /// </summary>
    private static Sort SortExpression(SqlParameters p, SearchQuery query, SortKey key, SearchParameterRegistry registry)
    {
        if (key.Param == "_id") return new Sort("r.id", key.Descending);
        if (key.Param == "_lastUpdated") return new Sort("r.last_updated", key.Descending);
        var type = query.ResourceType ?? query.Types?.FirstOrDefault();
        if (type is null || !registry.TryGet(type, key.Param, out var parameter))
            throw new ArgumentException($"Cannot sort by '{key.Param}'.");
        var column = parameter.Type switch
        {
            SearchParamType.Token => "code",
            SearchParamType.String => "norm",
            // A period's highest value is its end: descending compares ends, ascending starts.
            SearchParamType.Date => key.Descending ? "end_ms" : "start_ms",
            SearchParamType.Number or SearchParamType.Quantity => "value",
            SearchParamType.Reference => "ttype || '/' || tid",
            SearchParamType.Uri => "value",
            _ => throw new ArgumentException($"Cannot sort by the {parameter.Type} parameter '{key.Param}'."),
        };
        var aggregate = key.Descending ? "MAX" : "MIN";
        // "+param" keeps SQLite on the rid index: through the (param, ...) lookup index this correlated subquery
        // would scan every row of the parameter for each candidate, making a sorted page cost O(matches x rows).
        return new Sort(
            $"(SELECT {aggregate}({column}) FROM {SqliteConditions.TableOf(parameter.Type)} WHERE rid = r.rid AND +param = {p.Add(key.Param)})",
            key.Descending);
    }

    /// <summary>
    /// Rows strictly after the cursor in the page order: per sort key a null flag (values before nulls) and the
    /// value, then rid; <paramref name="reversed"/> flips every direction.
    /// </summary>
    private static string AfterCursor(SqlParameters p, IReadOnlyList<Sort> sorts, SqliteCursor cursor, bool reversed, string rid)
    {
        var alternatives = new List<string>();
        var equalSoFar = new List<string>();
        for (var i = 0; i < sorts.Count; i++)
        {
            var value = cursor.SortValues[i];
            var column = $"s{i}";
            if (value is null)
            {
                // Forward, nulls come last: only other nulls follow. Reversed, every non-null value follows.
                if (reversed) alternatives.Add(Join(equalSoFar, $"{column} IS NOT NULL"));
                equalSoFar.Add($"{column} IS NULL");
                continue;
            }
            var bound = p.Add(value);
            var greater = sorts[i].Descending != reversed ? "<" : ">";
            alternatives.Add(Join(equalSoFar, reversed ? $"{column} {greater} {bound}" : $"({column} IS NULL OR {column} {greater} {bound})"));
            equalSoFar.Add($"{column} = {bound}");
        }
        alternatives.Add(Join(equalSoFar, $"{rid} {(reversed ? "<" : ">")} {p.Add(cursor.Rid)}"));
        return "(" + string.Join(" OR ", alternatives) + ")";
    }

    private static string Join(List<string> equal, string last) =>
        "(" + string.Join(" AND ", equal.Append(last)) + ")";
}
