using FhirPortal.Core.Forms;
using FhirPortal.Core.Operations;

namespace FhirPortal.Server;

/// <summary>Registers pre-visit forms: QuestionnaireResponse checks, assignment Tasks and Questionnaire/$populate.</summary>
internal static class FormsServices
{
    public static IServiceCollection AddForms(this IServiceCollection services)
    {
        services.AddFormsWorkflow();
        services.AddFeatureDefinitions(new FeatureDefinitions("forms", FormsCapabilities.Definitions()));
        return services;
    }
}
