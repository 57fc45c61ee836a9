using FhirPortal.Core.Forms;

namespace FhirPortal.Server;

/// <summary>Registers pre-visit forms: QuestionnaireResponse checks in the write path and in $validate.</summary>
internal static class FormsServices
{
    public static IServiceCollection AddForms(this IServiceCollection services) => services.AddFormsWorkflow();
}
