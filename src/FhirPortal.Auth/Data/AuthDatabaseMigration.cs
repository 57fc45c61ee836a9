using Microsoft.EntityFrameworkCore;
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
}
