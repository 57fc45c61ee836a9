using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Auth.Data;

/// <summary>
/// Migrates the account database once per process, before its first use: the Data Protection key ring and the token
/// keys are read while the host starts, possibly before the start-up initializer runs. On PostgreSQL, instances
/// starting together on a fresh database take turns under an advisory lock (EF Core's own migration lock does not
/// cover creating the history table, so two first migrations collide).
/// </summary>
public sealed class AuthDatabaseMigration(IServiceScopeFactory scopes)
{
    // Any fixed number: the session lock that only FhirPortal's migrations take.
    private const long PostgresLockKey = 0x46_48_49_52_50_61_75_74;
    private readonly Lock _gate = new();
    private volatile bool _done;

    public void EnsureMigrated()
    {
        if (_done) return;
        lock (_gate)
        {
            if (_done) return;
            using var scope = scopes.CreateScope();
            var database = scope.ServiceProvider.GetRequiredService<AuthDbContext>().Database;
            if (database.IsNpgsql())
            {
                CreateIfMissing(database);
                database.OpenConnection();
                try
                {
                    database.ExecuteSql($"SELECT pg_advisory_lock({PostgresLockKey})");
                    try { database.Migrate(); }
                    finally { database.ExecuteSql($"SELECT pg_advisory_unlock({PostgresLockKey})"); }
                }
                finally { database.CloseConnection(); }
            }
            else database.Migrate();
            _done = true;
        }
    }

    // The advisory lock needs a connection to the database itself, so a missing database is created first (as
    // Migrate() would); an instance that loses the race to create it just goes on (42P04: duplicate_database).
    private static void CreateIfMissing(DatabaseFacade database)
    {
        var creator = database.GetService<IRelationalDatabaseCreator>();
        if (creator.Exists()) return;
        try { creator.Create(); }
        catch (Npgsql.PostgresException e) when (e.SqlState == "42P04") { }
    }
}
