using FhirPortal.Auth.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace FhirPortal.Auth.Migrations.PostgreSql;

/// <summary>
/// Lets <c>dotnet ef migrations add --project src/FhirPortal.Auth.Migrations.PostgreSql</c> build the model for
/// PostgreSQL without a server (no connection is opened to add a migration; <c>database update</c> uses
/// FHIRPORTAL_AUTH_POSTGRES, an Npgsql connection string).
/// </summary>
public sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<AuthDbContext>
{
    public AuthDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AuthDbContext>()
            .UseNpgsql(Environment.GetEnvironmentVariable("FHIRPORTAL_AUTH_POSTGRES") ?? "Host=localhost;Database=fhirportal_auth",
                n => n.MigrationsAssembly(typeof(PostgreSqlDesignTimeFactory).Assembly.GetName().Name))
            .UseOpenIddict().Options);
}
