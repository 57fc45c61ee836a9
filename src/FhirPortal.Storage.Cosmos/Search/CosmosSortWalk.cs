using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FhirPortal.Search;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// A page in any _sort order, as the SQLite store orders it: per key the resource's lowest value ascending or highest
/// descending (the embedded keys of <see cref="CosmosSortKeys"/>), resources without a value after those with one,
/// then document id. Every query orders by one path only, so no composite index per sort is needed: per key the
/// walk fetches the next entries in that key's order; groups of equal values that the fetch saw completely are
/// ordered in memory by the remaining keys, and the group at the fetch's end is walked by the next key on its own.
/// A page thus costs a few queries, however many keys and values.
/// </summary>
internal sealed partial class CosmosSortWalk
{
    private readonly CosmosGateway _db;
    private readonly Func<CosmosConditions, string> _where;
    private readonly IReadOnlyList<(string Path, bool Descending)> _keys;
    private readonly string _select;
    private readonly int _need;
    private readonly string? _pk;
    private readonly List<JsonNode> _rows = [];

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex ParameterName();

    private readonly bool _reversed;

    /// <param name="reversed">Walk the exact reverse of the order (a previous-page cursor): values without a key first.</param>
    public CosmosSortWalk(CosmosGateway db, SearchQuery query, Func<CosmosConditions, string> where, string columns, string? pk, bool reversed)
    {
        _db = db;
        _pk = pk;
        _reversed = reversed;
        _where = where;
        _keys = query.Sort.Select(k => (Path(k), k.Descending)).ToList();
        _select = columns + string.Concat(_keys.Select((k, i) => $", {k.Path} AS s{i}"));
        _need = query.Count + 1;
    }

    /// <summary>The first page size + 1 entries after <paramref name="cursor"/> in the walk's order.</summary>
    public async Task<List<JsonNode>> RowsAsync(Cursor? cursor, CancellationToken ct)
    {
        await CollectAsync(0, [], cursor, ct);
        return _rows;
    }

    public Cursor CursorOf(JsonNode row) => new(_keys.Select((_, i) => row[$"s{i}"]?.DeepClone()).ToList(), (string)row["id"]!);

    private static string Path(SortKey key) => key.Param switch
    {
        "_lastUpdated" => "c.lum",
        "_id" => "c.rid",
        var name when ParameterName().IsMatch(name) =>
            $"c.{(key.Descending ? CosmosSortKeys.Descending : CosmosSortKeys.Ascending)}[\"{name}\"]",
        var name => throw new StoreNotSupportedException($"The Cosmos DB store cannot sort by the parameter '{name}'."),
    };

    /// <summary>Adds, in order, the entries after <paramref name="cursor"/> (if any) that satisfy <paramref name="filters"/>, walking keys from <paramref name="level"/>.</summary>
    private async Task CollectAsync(int level, List<Func<CosmosConditions, string>> filters, Cursor? cursor, CancellationToken ct)
    {
        if (_rows.Count >= _need) return;
        if (level == _keys.Count)
        {
            var after = cursor is null ? filters : With(filters, p => $"c.id {(_reversed ? "<" : ">")} {p.Add(cursor.Id)}");
            _rows.AddRange(await RunAsync(after, _reversed ? "c.id DESC" : "c.id ASC", _reversed ? (x, y) => ById(y, x) : ById, _need - _rows.Count, ct));
            return;
        }
        var (path, keyDescending) = _keys[level];
        // Reversed, each key runs the other way and the entries without a value come first instead of last.
        var descending = keyDescending != _reversed;
        var undefinedDone = false;
        JsonNode? bound = null;
        if (cursor is not null)
        {
            if (cursor.Values[level] is not { } value)
            {
                await CollectAsync(level + 1, With(filters, _ => $"NOT IS_DEFINED({path})"), cursor, ct);
                if (!_reversed) return;
            }
            else
            {
                await CollectAsync(level + 1, With(filters, Equal(path, value)), cursor, ct);
                bound = value;
            }
            undefinedDone = _reversed;
        }
        if (_reversed && !undefinedDone) await CollectAsync(level + 1, With(filters, _ => $"NOT IS_DEFINED({path})"), null, ct);
        while (_rows.Count < _need)
        {
            var top = _need - _rows.Count + 1;
            var defined = With(filters, _ => $"IS_DEFINED({path})");
            if (bound is { } b) defined = With(defined, p => $"{path} {(descending ? "<" : ">")} {p.Add(Cursor.Parameter(b))}");
            var key = $"s{level}";
            var rows = await RunAsync(defined, $"{path} {(descending ? "DESC" : "ASC")}",
                (x, y) => (descending ? -1 : 1) * Cursor.Compare(x[key]!, y[key]!), top, ct);
            // With fewer rows than asked for every group is complete; otherwise the last value's group may go on.
            var edge = rows.Count == top ? rows[^1][$"s{level}"] : null;
            var complete = edge is null ? rows : rows.Where(r => Cursor.Compare(r[$"s{level}"]!, edge) != 0).ToList();
            var ordered = complete.ToList();
            ordered.Sort((x, y) => CompareFrom(level, x, y));
            _rows.AddRange(ordered.Take(_need - _rows.Count));
            if (edge is null) break;
            await CollectAsync(level + 1, With(filters, Equal(path, edge)), null, ct);
            bound = edge;
        }
        if (!_reversed) await CollectAsync(level + 1, With(filters, _ => $"NOT IS_DEFINED({path})"), null, ct);
    }

    /// <summary>The page order from key <paramref name="level"/> on: values before none, each key's direction, then document id.</summary>
    private int CompareFrom(int level, JsonNode x, JsonNode y) => _reversed ? Forward(level, y, x) : Forward(level, x, y);

    private int Forward(int level, JsonNode x, JsonNode y)
    {
        for (var i = level; i < _keys.Count; i++)
        {
            var (a, b) = (x[$"s{i}"], y[$"s{i}"]);
            if (a is null || b is null)
            {
                if (a is null && b is null) continue;
                return a is null ? 1 : -1;
            }
            var order = Cursor.Compare(a, b);
            if (order != 0) return _keys[i].Descending ? -order : order;
        }
        return string.CompareOrdinal((string)x["id"]!, (string)y["id"]!);
    }

    private static Func<CosmosConditions, string> Equal(string path, JsonNode value) =>
        p => $"{path} = {p.Add(Cursor.Parameter(value))}";

    private static List<Func<CosmosConditions, string>> With(List<Func<CosmosConditions, string>> filters, Func<CosmosConditions, string> filter) =>
        [.. filters, filter];

    private static int ById(JsonNode x, JsonNode y) => string.CompareOrdinal((string)x["id"]!, (string)y["id"]!);

    /// <param name="compare">The order of <paramref name="orderBy"/>, for merging chunked queries (<see cref="CosmosIdChunks"/>).</param>
    private async Task<List<JsonNode>> RunAsync(List<Func<CosmosConditions, string>> filters, string orderBy, Comparison<JsonNode> compare, int top, CancellationToken ct)
    {
        var p = new CosmosConditions();
        var sql = new StringBuilder($"SELECT TOP {top} {_select} FROM c WHERE {_where(p)}");
        foreach (var filter in filters) sql.Append(" AND ").Append(filter(p));
        sql.Append(" ORDER BY ").Append(orderBy);
        return (await CosmosIdChunks.PageAsync(_db, p.Build(sql.ToString()), _pk, top, compare, ct)).Select(r => r!).ToList();
    }
}
