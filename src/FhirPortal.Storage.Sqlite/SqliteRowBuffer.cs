using System.Numerics;
using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// Rows for one table, collected during a unit of work and written with multi-row INSERTs: chunks of a power of two
/// rows (at most <see cref="MaxRows"/>), so a handful of statement shapes per table are prepared once on the writer
/// connection and reused. Values are kept by reference (a version's JSON is not copied) until the flush binds them.
/// </summary>
internal sealed class SqliteRowBuffer(SqliteConnection writer, string table, params string[] columns) : IDisposable
{
    // 64 rows per statement: past that a statement saves no measurable time, and it stays far below SQLite's
    // parameter limit (SQLITE_LIMIT_VARIABLE_NUMBER, 32,766 in the bundled SQLite) at 13 columns.
    private const int PreferredRows = 64;

    private readonly List<object?> _values = [];
    private readonly Dictionary<int, SqliteStatement> _statements = [];

    /// <summary>The largest chunk: a power of two, under the connection's parameter limit.</summary>
    public int MaxRows { get; } = FloorPowerOfTwo(Math.Min(PreferredRows, SqliteStatement.VariableLimit(writer) / columns.Length));

    public int Count => _values.Count / columns.Length;

    public void Add(params ReadOnlySpan<object?> row)
    {
        if (row.Length != columns.Length) throw new ArgumentException($"{table} takes {columns.Length} values per row.");
        foreach (var value in row) _values.Add(value);
    }

    /// <summary>Inserts the buffered rows in the connection's open transaction and empties the buffer.</summary>
    public void Flush()
    {
        try
        {
            var width = columns.Length;
            var offset = 0;
            for (var rows = Count; rows > 0;)
            {
                // The largest power of two that fits, so the shapes stay few: 64, 32, ..., 1.
                var chunk = Math.Min(MaxRows, FloorPowerOfTwo(rows));
                var statement = Statement(chunk);
                for (var i = 0; i < chunk * width; i++) statement.Bind(i + 1, _values[offset + i]);
                statement.Execute();
                offset += chunk * width;
                rows -= chunk;
            }
        }
        finally { _values.Clear(); }
    }

    /// <summary>Drops the buffered rows (their unit of work was rolled back).</summary>
    public void Clear() => _values.Clear();

    private static int FloorPowerOfTwo(int value) => 1 << BitOperations.Log2((uint)Math.Max(1, value));

    private SqliteStatement Statement(int rows)
    {
        if (_statements.TryGetValue(rows, out var statement)) return statement;
        var row = "(" + string.Join(", ", Enumerable.Repeat("?", columns.Length)) + ")";
        var sql = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES {string.Join(", ", Enumerable.Repeat(row, rows))}";
        return _statements[rows] = new SqliteStatement(writer, sql);
    }

    public void Dispose()
    {
        foreach (var statement in _statements.Values) statement.Dispose();
        _statements.Clear();
    }
}
