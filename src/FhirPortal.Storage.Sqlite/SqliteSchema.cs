using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>Creates and migrates the database schema; the user_version pragma records what has been applied.</summary>
internal static class SqliteSchema
{
    // Each entry moves the schema one version forward; never edit an applied step, append a new one.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE resource (
            rid INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            id TEXT NOT NULL,
            version INTEGER NOT NULL,
            deleted INTEGER NOT NULL,
            UNIQUE (type, id));
        CREATE TABLE resource_version (
            seq INTEGER PRIMARY KEY,          -- commit order; history pages by it
            rid INTEGER NOT NULL REFERENCES resource(rid),
            version INTEGER NOT NULL,
            method INTEGER NOT NULL,
            last_updated INTEGER NOT NULL,    -- Unix milliseconds
            json BLOB NOT NULL,
            UNIQUE (rid, version));
        CREATE INDEX ix_version_updated ON resource_version(last_updated);
        CREATE TABLE token_index (
            rid INTEGER NOT NULL REFERENCES resource(rid),
            param TEXT NOT NULL,
            system TEXT,
            code TEXT);
        CREATE INDEX ix_token_lookup ON token_index(param, code, system, rid);
        CREATE INDEX ix_token_rid ON token_index(rid);
        """,
    ];

    public static void Apply(SqliteConnection connection)
    {
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
        }
        var current = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;"));
        for (var step = current; step < Migrations.Length; step++)
        {
            using var tx = connection.BeginTransaction();
            using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = Migrations[step] + $"\nPRAGMA user_version = {step + 1};";
            cmd.ExecuteNonQuery();
            tx.Commit();
        }
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}
