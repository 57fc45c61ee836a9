using FhirPortal.Core.Forms;
using FhirPortal.Core.Operations;

namespace FhirPortal.Server;

/// <summary>Registers pre-visit forms: QuestionnaireResponse checks, assignment Tasks and Questionnaire/$populate.</summary>
internal static class FormsServices
{
    public static IServiceCollection AddForms(this IServiceCollection services)
    {
        services.AddFormsWorkflow();
        services.AddSingleton<ICapabilityStatementContributor, FormsCapabilities>();
        services.AddHostedService<FormsDefinitionSeeder>();
        return services;
    }
}

/// <summary>Stores the forms OperationDefinitions at start-up (as the messaging ones; not when <c>FhirPortal:ProfilesDirectory</c> is empty).</summary>
internal sealed class FormsDefinitionSeeder(OwnDefinitions definitions, IConfiguration configuration) : IHostedService
{
    public async System.Threading.Tasks.Task StartAsync(CancellationToken ct)
    {
        if (configuration["FhirPortal:ProfilesDirectory"] is "") return;
        await definitions.StoreAsync(FormsCapabilities.Definitions(), ct);
    }

    public System.Threading.Tasks.Task StopAsync(CancellationToken ct) => System.Threading.Tasks.Task.CompletedTask;
}
