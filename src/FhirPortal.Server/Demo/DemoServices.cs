namespace FhirPortal.Server.Demo;

/// <summary>Registers demo data seeding and the start-up banner.</summary>
public static class DemoServices
{
    /// <summary>Call after AddFhirPortal and before AddFhirPortalAuth: the data is loaded before the SMART demo accounts link to it.</summary>
    public static IServiceCollection AddFhirPortalDemo(this IServiceCollection services)
    {
        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<DemoDataSeeder>();
        services.AddHostedService<StartupBanner>();
        return services;
    }
}
