using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Core.Forms;

/// <summary>Registers the pre-visit forms workflow: QuestionnaireResponse checks in the write path and for $validate, form assignment Tasks, $populate.</summary>
public static class FormsRegistration
{
    /// <summary>Adds the forms rules every write obeys and the response checks $validate uses.</summary>
    public static IServiceCollection AddFormsWorkflow(this IServiceCollection services)
    {
        services.AddSingleton<QuestionnaireLookup>();
        services.AddSingleton<IAnswerValueSets, ServerAnswerValueSets>();
        services.AddSingleton(sp => new FormResponses(sp.GetRequiredService<QuestionnaireLookup>(), sp.GetRequiredService<IAnswerValueSets>(),
            sp.GetRequiredService<Validation.ResourceValidator>(), sp.GetRequiredService<FhirPortal.Storage.IResourceStore>()));
        services.AddSingleton<FormTasks>();
        services.AddSingleton<IWriteRule, FormRules>();
        services.AddSingleton<PatientFactsReader>();
        services.AddSingleton(sp => new FormPopulation(sp.GetRequiredService<Interactions.ReadInteraction>(), sp.GetRequiredService<Access.CallerContext>(),
            sp.GetRequiredService<PatientFactsReader>(), sp.GetRequiredService<QuestionnaireLookup>(), sp.GetRequiredService<Interactions.ConditionalCriteria>(),
            sp.GetRequiredService<FhirPortal.Storage.IResourceStore>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
