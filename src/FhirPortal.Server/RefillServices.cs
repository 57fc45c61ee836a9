using FhirPortal.Core.Operations;
using FhirPortal.Core.Refills;
using FhirPortal.Search;
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
        services.AddHostedService<RefillWorker>();
        return services;
    }
}

/// <summary>
/// Registers the MedicationRequest <c>auto-refill</c> search parameter the automatic refills need, then stores the refill
/// OperationDefinitions and that SearchParameter (as the scheduling ones; not when <c>FhirPortal:ProfilesDirectory</c> is empty).
/// </summary>
internal sealed class RefillDefinitionSeeder(OwnDefinitions definitions, SearchParameterRegistry registry, IConfiguration configuration) : IHostedService
{
    public async System.Threading.Tasks.Task StartAsync(CancellationToken ct)
    {
        AutoRefillFlag.Register(registry);
        if (configuration["FhirPortal:ProfilesDirectory"] is "") return;
        await definitions.StoreAsync([.. RefillCapabilities.Definitions(), AutoRefillFlag.Definition()], ct);
    }

    public System.Threading.Tasks.Task StopAsync(CancellationToken ct) => System.Threading.Tasks.Task.CompletedTask;
}

/// <summary>
/// Every <see cref="RefillOptions.PollInterval"/>: requests the automatic refills that are due (<see cref="AutoRefills"/>).
/// Off with <c>FhirPortal:Refills:Background=false</c> (the tests run a pass by hand).
/// </summary>
internal sealed class RefillWorker(AutoRefills refills, RefillOptions options, TimeProvider clock, ILogger<RefillWorker> logger) : BackgroundService
{
    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Background) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await refills.RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A store hiccup must not end the worker; the next round tries again.
                logger.LogError(e, "Automatic refill round failed");
            }
            try { await System.Threading.Tasks.Task.Delay(options.PollInterval, clock, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}
