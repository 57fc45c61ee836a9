using FhirPortal.Search;
using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// Replaces a resource's index rows (current version only) inside the write transaction. Statements are prepared
/// once on the writer connection and reused, since every write of a large transaction runs them.
/// </summary>
internal sealed class SqliteIndexWriter(SqliteConnection writer) : IDisposable
{
    private static readonly string[] Tables =
        ["token_index", "string_index", "date_index", "number_index", "quantity_index", "reference_index", "uri_index", "compartment_index"];

    private readonly Dictionary<string, SqliteCommand> _commands = [];

    /// <param name="isNew">The resource was just inserted, so it has no rows to delete (saves nine statements per create).</param>
    public async Task ReplaceAsync(SqliteTransaction tx, long rid, ResourceIndex? index, CancellationToken ct, bool isNew = false)
    {
        if (!isNew)
        {
            foreach (var table in Tables)
                await RunAsync(tx, $"DELETE FROM {table} WHERE rid = $p0", ct, rid);
            await RunAsync(tx, "DELETE FROM resource_text WHERE rowid = $p0", ct, rid);
        }
        if (index is null) return;

        foreach (var t in index.Tokens.Distinct())
            await RunAsync(tx, "INSERT INTO token_index (rid, param, system, code, text, grp) VALUES ($p0, $p1, $p2, $p3, $p4, $p5)", ct,
                rid, t.Param, t.System, t.Code, t.Text is null ? null : StringNormalizer.Normalize(t.Text), t.Group);
        foreach (var s in index.Strings.Distinct())
            await RunAsync(tx, "INSERT INTO string_index (rid, param, norm, exact, grp) VALUES ($p0, $p1, $p2, $p3, $p4)", ct,
                rid, s.Param, s.Normalized, s.Exact, s.Group);
        foreach (var d in index.Dates.Distinct())
            await RunAsync(tx, "INSERT INTO date_index (rid, param, start_ms, end_ms, grp) VALUES ($p0, $p1, $p2, $p3, $p4)", ct,
                rid, d.Param, SqliteInstants.Floor(d.Start), SqliteInstants.Ceiling(d.End), d.Group);
        foreach (var n in index.Numbers.Distinct())
            await RunAsync(tx, "INSERT INTO number_index (rid, param, value, low, high, grp) VALUES ($p0, $p1, $p2, $p3, $p4, $p5)", ct,
                rid, n.Param, (double)n.Value, (double)n.Low, (double)n.High, n.Group);
        foreach (var q in index.Quantities.Distinct())
        {
            // The canonical range scales with the value, so precision survives the unit conversion.
            double? factor = q.CanonicalValue is { } cv && q.Value != 0 ? (double)cv / (double)q.Value : null;
            await RunAsync(tx, """
                INSERT INTO quantity_index (rid, param, system, code, unit, value, low, high, ccode, cvalue, clow, chigh, grp)
                VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8, $p9, $p10, $p11, $p12)
                """, ct,
                rid, q.Param, q.System, q.Code, q.Unit, (double)q.Value, (double)q.Low, (double)q.High,
                q.CanonicalCode, (double?)q.CanonicalValue,
                q.CanonicalValue is null ? null : factor is { } f ? (double)q.Low * f : (double)q.CanonicalValue,
                q.CanonicalValue is null ? null : factor is { } g ? (double)q.High * g : (double)q.CanonicalValue,
                q.Group);
        }
        foreach (var r in index.References.Distinct())
            await RunAsync(tx, "INSERT INTO reference_index (rid, param, ttype, tid, url, isys, ival, grp) VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7)", ct,
                rid, r.Param, r.TargetType, r.TargetId, r.Url, r.IdentifierSystem, r.IdentifierValue, r.Group);
        foreach (var u in index.Uris.Distinct())
            await RunAsync(tx, "INSERT INTO uri_index (rid, param, value, grp) VALUES ($p0, $p1, $p2, $p3)", ct, rid, u.Param, u.Value, u.Group);
        foreach (var c in index.Compartments.Distinct())
            await RunAsync(tx, "INSERT INTO compartment_index (rid, ctype, cid) VALUES ($p0, $p1, $p2)", ct, rid, c.CompartmentType, c.Id);
        if (!string.IsNullOrEmpty(index.Narrative) || !string.IsNullOrEmpty(index.Content))
            await RunAsync(tx, "INSERT INTO resource_text (rowid, narrative, content) VALUES ($p0, $p1, $p2)", ct,
                rid, index.Narrative ?? "", index.Content ?? "");
    }

    private async Task RunAsync(SqliteTransaction tx, string sql, CancellationToken ct, params object?[] values)
    {
        if (!_commands.TryGetValue(sql, out var cmd))
        {
            cmd = writer.CreateCommand();
            cmd.CommandText = sql;
            for (var i = 0; i < values.Length; i++) cmd.Parameters.Add(new SqliteParameter("$p" + i, null));
            _commands[sql] = cmd;
        }
        cmd.Transaction = tx;
        for (var i = 0; i < values.Length; i++) cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public void Dispose()
    {
        foreach (var cmd in _commands.Values) cmd.Dispose();
        _commands.Clear();
    }
}

/// <summary>Instants as the store keeps them: Unix milliseconds, rounded outwards so a span never shrinks.</summary>
internal static class SqliteInstants
{
    public static long Floor(DateTimeOffset value) => FloorDiv(Ticks(value));

    public static long Ceiling(DateTimeOffset value) => -FloorDiv(-Ticks(value));

    private static long Ticks(DateTimeOffset value) => value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;

    private static long FloorDiv(long ticks)
    {
        var (quotient, remainder) = long.DivRem(ticks, TimeSpan.TicksPerMillisecond);
        return remainder < 0 ? quotient - 1 : quotient;
    }
}
