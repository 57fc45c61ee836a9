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
        services.AddFeatureDefinitions(new FeatureDefinitions("refills", RefillCapabilities.Definitions(), [AutoRefillFlag.Definition()]));
        services.AddHostedService<RefillWorker>();
        return services;
    }
}

/// <summary>
/// Every <see cref="RefillOptions.PollInterval"/>: requests the automatic refills that are due (<see cref="AutoRefills"/>).
/// Off with <c>FhirPortal:Refills:Background=false</c> (the tests run a pass by hand).
/// </summary>
internal sealed class RefillWorker(AutoRefills refills, RefillOptions options, TimeProvider clock, ILogger<RefillWorker> logger)
    : PeriodicWorker(clock, logger)
{
    protected override bool Enabled => options.Background;
    protected override TimeSpan Interval => options.PollInterval;
    protected override string Round => "Automatic refill round";

    protected override System.Threading.Tasks.Task RunOnceAsync(CancellationToken ct) => refills.RunOnceAsync(ct);
}
