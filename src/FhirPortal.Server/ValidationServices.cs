using FhirPortal.Core.Access;
using FhirPortal.Core;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Core.Validation;
using FhirPortal.Storage;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server;

/// <summary>Registers the validator and the start-up step that stores profiles/ and loads conformance resources.</summary>
internal static class ValidationServices
{
    public static IServiceCollection AddFhirPortalValidation(this IServiceCollection services)
    {
        services.AddOptions<FhirPortalOptions>()
            .Validate(o => TryParse(o.Validation.RequireProfiles), "Validation:RequireProfiles must list R4 resource types (Type or Type=canonical, comma-separated).");
        services.AddSingleton<ConformanceResources>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<FhirPortalOptions>>().Value.Validation;
            return new ValidationSettings(ValidationSettings.ParseRequired(options.RequireProfiles), options.UnknownProfile);
        });
        services.AddSingleton<ResourceValidator>();
        services.AddSingleton<ConformanceSync>();
        services.AddSingleton<ValidationWarmup>();
        services.AddHostedService<ConformanceLoader>();
        return services;
    }

    private static bool TryParse(string value)
    {
        try { ValidationSettings.ParseRequired(value); return true; }
        catch (ArgumentException) { return false; }
    }
}

/// <summary>
/// Before the server takes requests: stores profiles/ conformance resources, loads all stored ones, and refuses to
/// start when a required profile is missing (every write of that type would fail otherwise). Then the profiles'
/// schemas are compiled in the background (<see cref="ValidationWarmup"/>).
/// </summary>
public sealed class ConformanceLoader(
    ConformanceSync sync, ConformanceResources conformance, ValidationWarmup warmup, ValidationSettings settings,
    IResourceStore store, FhirParser parser, UpdateInteraction update, IOptions<FhirPortalOptions> options,
    CallerContext callers) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The server itself stores its profiles/ files: no token, no scope limits.
        using (callers.Use(Caller.Server))
            await sync.LoadAsync(options.Value.ResolvedProfilesDirectory, store, parser, update, cancellationToken);
        foreach (var (type, profile) in settings.RequiredProfiles)
        {
            if (conformance.StructureDefinition(profile) is null)
                throw new InvalidOperationException(
                    $"Validation:RequireProfiles needs {profile} for {type}, but neither ProfilesDirectory ('{options.Value.ResolvedProfilesDirectory}') nor the store holds it.");
        }
        // Trust is judged from here on by content (ConformanceResources.IsProven), so a change that arrives before the
        // host has started (another instance, an early API write) counts like any later one.
        conformance.StartupCompleted(settings.RequiredProfiles
            .Where(p => !conformance.IsProven(p.Value) || conformance.StructureDefinition(p.Value)?.Type != p.Key).Select(p => p.Key));
        warmup.Start();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
