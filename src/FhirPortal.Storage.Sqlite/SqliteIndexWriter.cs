using FhirPortal.Search;
using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// Replaces resources' index rows (current version only) inside the write transaction. A unit of work's rows are
/// buffered per table and written by <see cref="Flush"/> with multi-row INSERTs; the deletes of an updated
/// resource's old rows run at once. Every statement is prepared once on the writer connection and reused.
/// </summary>
internal sealed class SqliteIndexWriter : IDisposable
{
    private static readonly string[] Tables =
        ["token_index", "string_index", "date_index", "number_index", "quantity_index", "reference_index", "uri_index", "compartment_index"];

    private readonly SqliteStatement[] _deletes;
    private readonly SqliteRowBuffer _tokens, _strings, _dates, _numbers, _quantities, _references, _uris, _compartments, _text;
    private readonly SqliteRowBuffer[] _buffers;
    private readonly HashSet<long> _buffered = [];

    public SqliteIndexWriter(SqliteConnection writer)
    {
        _deletes = [.. Tables.Select(t => new SqliteStatement(writer, $"DELETE FROM {t} WHERE rid = ?")),
            new SqliteStatement(writer, "DELETE FROM resource_text WHERE rowid = ?")];
        _tokens = new(writer, "token_index", "rid", "type", "param", "system", "code", "text", "grp");
        _strings = new(writer, "string_index", "rid", "type", "param", "norm", "exact", "grp");
        _dates = new(writer, "date_index", "rid", "type", "param", "start_ms", "end_ms", "grp");
        _numbers = new(writer, "number_index", "rid", "type", "param", "value", "low", "high", "grp");
        _quantities = new(writer, "quantity_index",
            "rid", "type", "param", "system", "code", "unit", "value", "low", "high", "ccode", "cvalue", "clow", "chigh", "grp");
        _references = new(writer, "reference_index", "rid", "type", "param", "ttype", "tid", "url", "isys", "ival", "grp");
        _uris = new(writer, "uri_index", "rid", "type", "param", "value", "grp");
        _compartments = new(writer, "compartment_index", "rid", "type", "ctype", "cid");
        _text = new(writer, "resource_text", "rowid", "narrative", "content");
        _buffers = [_tokens, _strings, _dates, _numbers, _quantities, _references, _uris, _compartments, _text];
    }

    /// <summary>
    /// Replaces <paramref name="rid"/>'s rows with <paramref name="index"/> (null: removes them). The new rows are
    /// buffered until <see cref="Flush"/>.
    /// </summary>
    /// <param name="type">The resource's type: every row carries it, so a search seeks only its own type's rows.</param>
    /// <param name="isNew">The resource was just inserted, so it has no rows to delete (saves nine statements per create).</param>
    public void Replace(long rid, string type, ResourceIndex? index, bool isNew = false)
    {
        if (!isNew)
        {
            // Rows of an earlier write of the same resource in this unit are still buffered: write them so the deletes see them.
            if (_buffered.Contains(rid)) Flush();
            foreach (var delete in _deletes)
            {
                delete.Bind(1, rid);
                delete.Execute();
            }
        }
        if (index is null) return;
        _buffered.Add(rid);

        foreach (var t in index.Tokens.Distinct())
            _tokens.Add(rid, type, t.Param, t.System, t.Code, t.Text is null ? null : StringNormalizer.Normalize(t.Text), t.Group);
        foreach (var s in index.Strings.Distinct())
            _strings.Add(rid, type, s.Param, s.Normalized, s.Exact, s.Group);
        foreach (var d in index.Dates.Distinct())
            _dates.Add(rid, type, d.Param, SqliteInstants.Floor(d.Start), SqliteInstants.Ceiling(d.End), d.Group);
        foreach (var n in index.Numbers.Distinct())
            _numbers.Add(rid, type, n.Param, (double)n.Value, (double)n.Low, (double)n.High, n.Group);
        foreach (var q in index.Quantities.Distinct())
        {
            // The canonical range scales with the value, so precision survives the unit conversion.
            double? factor = q.CanonicalValue is { } cv && q.Value != 0 ? (double)cv / (double)q.Value : null;
            _quantities.Add(rid, type, q.Param, q.System, q.Code, q.Unit, (double)q.Value, (double)q.Low, (double)q.High,
                q.CanonicalCode, (double?)q.CanonicalValue,
                q.CanonicalValue is null ? null : factor is { } f ? (double)q.Low * f : (double)q.CanonicalValue,
                q.CanonicalValue is null ? null : factor is { } g ? (double)q.High * g : (double)q.CanonicalValue,
                q.Group);
        }
        foreach (var r in index.References.Distinct())
            _references.Add(rid, type, r.Param, r.TargetType, r.TargetId, r.Url, r.IdentifierSystem, r.IdentifierValue, r.Group);
        foreach (var u in index.Uris.Distinct())
            _uris.Add(rid, type, u.Param, u.Value, u.Group);
        foreach (var c in index.Compartments.Distinct())
            _compartments.Add(rid, type, c.CompartmentType, c.Id);
        if (!string.IsNullOrEmpty(index.Narrative) || !string.IsNullOrEmpty(index.Content))
            _text.Add(rid, index.Narrative ?? "", index.Content ?? "");
    }

    /// <summary>Writes the buffered rows in the connection's open transaction.</summary>
    public void Flush()
    {
        try
        {
            foreach (var buffer in _buffers) buffer.Flush();
        }
        finally { Discard(); }
    }

    /// <summary>Drops the buffered rows (their unit of work failed and was rolled back).</summary>
    public void Discard()
    {
        foreach (var buffer in _buffers) buffer.Clear();
        _buffered.Clear();
    }

    public void Dispose()
    {
        foreach (var delete in _deletes) delete.Dispose();
        foreach (var buffer in _buffers) buffer.Dispose();
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
