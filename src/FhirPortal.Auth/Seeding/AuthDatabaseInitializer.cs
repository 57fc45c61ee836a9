using FhirPortal.Auth.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Seeding;

/// <summary>At start-up: creates or migrates auth.db, then registers the configured clients (and, in Development, the demo).</summary>
public sealed class AuthDatabaseInitializer(IServiceProvider services, AuthDatabaseMigration migration, IOptions<AuthOptions> options, IHostEnvironment environment, ILogger<AuthDatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await Task.Run(migration.EnsureMigrated, ct);
        await using var scope = services.CreateAsyncScope();

        var registrar = scope.ServiceProvider.GetRequiredService<ClientRegistrar>();
        foreach (var client in options.Value.Clients)
        {
            if (ClientRegistrar.Problem(client) is { } problem)
                throw new InvalidOperationException($"FhirPortal:Auth:Clients '{client.ClientId}': {problem}");
            var created = await registrar.UpsertAsync(client, ct);
            logger.LogInformation("{Action} client {ClientId} from configuration", created ? "Registered" : "Updated", client.ClientId);
        }

        // Note: demo accounts with known passwords exist only in Development.
        if (options.Value.SeedDemo && environment.IsDevelopment())
            await ActivatorUtilities.CreateInstance<DemoSeeder>(scope.ServiceProvider).SeedAsync(ct);
        else if (options.Value.SeedDemo)
            logger.LogWarning("FhirPortal:Auth:SeedDemo is ignored outside Development.");
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
