using FhirPortal.Core.Operations;
using FhirPortal.Core.Refills;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server;

/// <summary>Registers prescription refills: options (<c>FhirPortal:Refills</c>), the Task rules, $request-refill and the auto-refill worker.</summary>
internal static class RefillServices
{
    public static IServiceCollection AddRefills(this IServiceCollection services)
    {
        services.AddOptions<RefillOptions>().BindConfiguration(RefillOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<RefillOptions>>().Value);
        services.AddRefillWorkflow();
        services.AddSingleton<ICapabilityStatementContributor, RefillCapabilities>();
        services.AddHostedService<RefillDefinitionSeeder>();
        return services;
    }
}

/// <summary>Stores the refill OperationDefinitions at start-up (as the scheduling ones; not when <c>FhirPortal:ProfilesDirectory</c> is empty).</summary>
internal sealed class RefillDefinitionSeeder(OwnDefinitions definitions, IConfiguration configuration) : IHostedService
{
    public async System.Threading.Tasks.Task StartAsync(CancellationToken ct)
    {
        if (configuration["FhirPortal:ProfilesDirectory"] is "") return;
        await definitions.StoreAsync(RefillCapabilities.Definitions(), ct);
    }

    public System.Threading.Tasks.Task StopAsync(CancellationToken ct) => System.Threading.Tasks.Task.CompletedTask;
}
