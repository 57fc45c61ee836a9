using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// One statement prepared once on the writer connection and reused for every execution, with values bound by
/// position. Microsoft.Data.Sqlite binds by name (a lookup per parameter per execution, linear in the statement's
/// parameter count), which would make a multi-row INSERT of hundreds of parameters quadratic; SQLitePCL's positional
/// binding keeps it linear. Runs in whatever transaction the connection has open.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;

    public SqliteStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _stmt));
        ParameterCount = raw.sqlite3_bind_parameter_count(_stmt);
    }

    public int ParameterCount { get; }

    /// <summary>Binds a value to the 1-based parameter <paramref name="index"/>; null is SQL NULL.</summary>
    public void Bind(int index, object? value) => Check(value switch
    {
        null => raw.sqlite3_bind_null(_stmt, index),
        long l => raw.sqlite3_bind_int64(_stmt, index, l),
        int i => raw.sqlite3_bind_int64(_stmt, index, i),
        double d => raw.sqlite3_bind_double(_stmt, index, d),
        string s => raw.sqlite3_bind_text(_stmt, index, s),
        ReadOnlyMemory<byte> m => raw.sqlite3_bind_blob(_stmt, index, m.Span),
        byte[] b => raw.sqlite3_bind_blob(_stmt, index, b),
        _ => throw new ArgumentException($"No SQLite binding for {value.GetType().Name}.", nameof(value)),
    });

    /// <summary>Runs the statement to completion (INSERT, UPDATE, DELETE).</summary>
    public void Execute()
    {
        try
        {
            int rc;
            while ((rc = raw.sqlite3_step(_stmt)) == raw.SQLITE_ROW) { }
            if (rc != raw.SQLITE_DONE) Check(rc);
        }
        finally { Reset(); }
    }

    /// <summary>Runs a query and returns its first row's first two integer columns, or null when there is no row.</summary>
    public (long First, long Second)? QueryPair()
    {
        try
        {
            var rc = raw.sqlite3_step(_stmt);
            if (rc == raw.SQLITE_ROW) return (raw.sqlite3_column_int64(_stmt, 0), raw.sqlite3_column_int64(_stmt, 1));
            if (rc != raw.SQLITE_DONE) Check(rc);
            return null;
        }
        finally { Reset(); }
    }

    /// <summary>The rowid of the last row this connection inserted.</summary>
    public long LastInsertRowId => raw.sqlite3_last_insert_rowid(_db);

    // Reset ends the statement (so it holds no read snapshot) and drops the bound values (so no blob stays referenced).
    private void Reset()
    {
        raw.sqlite3_reset(_stmt);
        raw.sqlite3_clear_bindings(_stmt);
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public void Dispose() => _stmt.Dispose();

    /// <summary>The most host parameters one statement may have on this connection (SQLITE_LIMIT_VARIABLE_NUMBER).</summary>
    public static int VariableLimit(SqliteConnection connection) =>
        raw.sqlite3_limit(connection.Handle, raw.SQLITE_LIMIT_VARIABLE_NUMBER, -1);
}
