using System.Text.Json;
using FhirPortal.Search;
using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// <c>_include</c> and <c>_revinclude</c> for one page, with <c>:iterate</c> applied to what was included. The
/// CROSS JOINs fix the join order (SQLite keeps it as written): start from the page's few rows and follow the
/// reference indexes, instead of walking every resource of the included type.
/// </summary>
internal static class SqliteIncludes
{
    // Bounds :iterate on cyclic graphs (e.g. Organization.partOf); each round only follows newly found resources.
    private const int MaxRounds = 8;

    public static async Task<IReadOnlyList<StoredResource>> FindAsync(
        SqliteConnection connection, SearchQuery query, IReadOnlyList<StoredResource> matches, IReadOnlyList<long> matchRids,
        SearchParameterRegistry registry, CancellationToken ct)
    {
        var seen = new HashSet<long>(matchRids);
        var included = new List<StoredResource>();
        var frontier = matchRids.ToList();
        for (var round = 0; round < MaxRounds && frontier.Count > 0; round++)
        {
            var found = new List<(long Rid, StoredResource Resource)>();
            foreach (var spec in query.Includes.Where(s => round == 0 || s.Iterate))
                found.AddRange(await RunAsync(connection, IncludeSql(spec), spec, frontier, ct));
            foreach (var spec in query.RevIncludes.Where(s => round == 0 || s.Iterate))
                found.AddRange(await RunAsync(connection, RevIncludeSql(spec), spec, frontier, ct));
            frontier = [];
            foreach (var (rid, resource) in found)
            {
                if (!seen.Add(rid)) continue;
                included.Add(resource);
                frontier.Add(rid);
            }
        }
        return included;
    }

    /// <summary>Targets referenced by the source rows through the parameter.</summary>
    private static string IncludeSql(IncludeSpec spec) => $"""
        SELECT DISTINCT r.rid, {SqliteRows.Columns}
        FROM json_each($rids) j
        CROSS JOIN resource s ON s.rid = j.value
        CROSS JOIN reference_index x ON x.rid = s.rid
        CROSS JOIN resource r ON r.type = x.ttype AND r.id = x.tid
        JOIN resource_version v ON v.rid = r.rid AND v.version = r.version
        WHERE s.type = $source AND r.deleted = 0
        {(spec.Param == "*" ? "" : "AND x.param = $param")} {(spec.TargetType is null ? "" : "AND x.ttype = $target")}
        """;

    /// <summary>Resources of the source type whose parameter references one of the rows.</summary>
    private static string RevIncludeSql(IncludeSpec spec) => $"""
        SELECT DISTINCT r.rid, {SqliteRows.Columns}
        FROM json_each($rids) j
        CROSS JOIN resource t ON t.rid = j.value
        CROSS JOIN reference_index x ON x.ttype = t.type AND x.tid = t.id AND x.type = $source
        CROSS JOIN resource r ON r.rid = x.rid
        JOIN resource_version v ON v.rid = r.rid AND v.version = r.version
        WHERE r.type = $source AND r.deleted = 0
        {(spec.Param == "*" ? "" : "AND x.param = $param")} {(spec.TargetType is null ? "" : "AND t.type = $target")}
        """;

    private static async Task<List<(long, StoredResource)>> RunAsync(
        SqliteConnection connection, string sql, IncludeSpec spec, List<long> rids, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$rids", JsonSerializer.Serialize(rids));
        cmd.Parameters.AddWithValue("$source", spec.SourceType);
        if (spec.Param != "*") cmd.Parameters.AddWithValue("$param", spec.Param);
        if (spec.TargetType is not null) cmd.Parameters.AddWithValue("$target", spec.TargetType);
        var result = new List<(long, StoredResource)>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            result.Add((reader.GetInt64(0), SqliteRows.ToStoredResource(reader, 1)));
        return result;
    }
}
