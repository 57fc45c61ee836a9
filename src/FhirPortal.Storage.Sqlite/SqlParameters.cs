using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>Binds values to numbered parameters of one command, so translated SQL never embeds user input.</summary>
internal sealed class SqlParameters(SqliteCommand command)
{
    private int _next;

    public string Add(object? value)
    {
        var name = "$v" + _next++;
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return name;
    }
}
