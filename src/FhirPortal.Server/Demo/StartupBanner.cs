using FhirPortal.Auth;
using FhirPortal.Auth.Seeding;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server.Demo;

/// <summary>Once the server listens: where Swagger and the CapabilityStatement are, and (Development demo) how to sign in.</summary>
public sealed class StartupBanner(
    IHostApplicationLifetime lifetime, IServer server, IOptions<FhirPortalOptions> portal, IOptions<AuthOptions> auth,
    IHostEnvironment environment, ILogger<StartupBanner> logger) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        lifetime.ApplicationStarted.Register(Log);
        return Task.CompletedTask;
    }

    private void Log()
    {
        // The in-process test server has no addresses; the public base URL (or relative paths) still help.
        var root = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()?.Replace("://[::]", "://localhost").Replace("://0.0.0.0", "://localhost").Replace("://+", "://localhost").Replace("://*", "://localhost")
            ?? (portal.Value.PublicBaseUrl is { } publicBase ? publicBase[..^"/fhir".Length] : "");
        var fhir = portal.Value.PublicBaseUrl ?? root + "/fhir";
        logger.LogInformation("FhirPortal is ready: Swagger UI at {Root}/swagger, CapabilityStatement at {Fhir}/metadata.", root, fhir);
        if (auth.Value.SeedDemo && environment.IsDevelopment())
            logger.LogInformation("Demo sign-in at {Root}/auth/login: {Patient} (Patient/{PatientId}) or {Practitioner}, password {Password}; public SMART app '{Client}'.",
                root, DemoSeeder.PatientUser, DemoDataSeeder.DemoPatientId, DemoSeeder.PractitionerUser, DemoSeeder.DemoPassword, DemoSeeder.DemoClientId);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
