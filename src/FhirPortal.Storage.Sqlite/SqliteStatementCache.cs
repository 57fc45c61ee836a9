using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>
/// Prepared search statements of one open connection, kept by SQL text. A search's SQL depends on the query's shape,
/// not its values (those are parameters), so a booking's occupancy searches and commit-time conditions, or a page of
/// <c>$find</c>, repeat the same few texts; parsing and planning them anew on every call cost a measurable share of
/// their CPU. Used by one caller at a time (a rented reader, or the writer under its lock).
/// </summary>
internal sealed class SqliteStatementCache(SqliteConnection connection) : IDisposable
{
    /// <summary>Enough for the shapes a workload repeats; past it the cache starts over (rare shapes stay unprepared).</summary>
    private const int Capacity = 128;

    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteConnection Connection => connection;

    /// <summary>A new command to build a statement in (its text and parameters); run it through <see cref="Prepared"/>.</summary>
    public SqliteCommand Build(SqliteTransaction? tx = null)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        return cmd;
    }

    /// <summary>
    /// The connection's prepared command for <paramref name="built"/>'s text, with <paramref name="built"/>'s parameter
    /// values and transaction: Microsoft.Data.Sqlite keeps a command's statements prepared while its text is unchanged
    /// and binds the values anew on each execution. Valid until the next call.
    /// </summary>
    public SqliteCommand Prepared(SqliteCommand built)
    {
        if (!_commands.TryGetValue(built.CommandText, out var cmd))
        {
            if (_commands.Count >= Capacity) Clear();
            cmd = connection.CreateCommand();
            cmd.CommandText = built.CommandText;
            _commands.Add(cmd.CommandText, cmd);
        }
        cmd.Transaction = built.Transaction;
        cmd.Parameters.Clear();
        foreach (SqliteParameter parameter in built.Parameters) cmd.Parameters.AddWithValue(parameter.ParameterName, parameter.Value);
        return cmd;
    }

    private void Clear()
    {
        foreach (var cmd in _commands.Values) cmd.Dispose();
        _commands.Clear();
    }

    /// <summary>Finalizes the statements; the connection stays with its owner.</summary>
    public void Dispose() => Clear();
}
