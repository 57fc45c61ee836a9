using FhirPortal.Core.Operations;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Forms;

/// <summary>
/// The OperationDefinitions of pre-visit forms (<c>Questionnaire/$populate</c>): listed in the CapabilityStatement and stored at start-up through
/// <see cref="FeatureDefinitions"/> (<c>[base]/OperationDefinition/{id}</c>).
/// </summary>
public static class FormsCapabilities
{
    /// <summary>The OperationDefinitions of pre-visit forms (the SDC $populate subset this server implements).</summary>
    public static IReadOnlyList<OperationDefinition> Definitions() =>
    [
        new()
        {
            Id = "Questionnaire-populate",
            Url = "http://fhirportal.org/fhir/OperationDefinition/Questionnaire-populate",
            Name = "QuestionnairePopulate",
            Title = "Pre-fill a form from the record",
            Status = PublicationStatus.Active,
            Kind = OperationDefinition.OperationKind.Operation,
            Code = "populate",
            Base = "http://hl7.org/fhir/uv/sdc/OperationDefinition/Questionnaire-populate",
            Resource = [ResourceType.Questionnaire],
            System = false,
            Type = true,
            Instance = true,
            AffectsState = false,
            Description = "An in-progress QuestionnaireResponse for subject, pre-filled from the record: items with an SDC initialExpression " +
                          "(FHIRPath with %patient, %medications, %allergies) or a definition on Patient, MedicationStatement, MedicationRequest " +
                          "or AllergyIntolerance elements, else their initial values. A patient's token populates only for its own patient.",
            Parameter =
            [
                new() { Name = "identifier", Use = OperationParameterUse.In, Min = 0, Max = "1", Type = FHIRAllTypes.Identifier, Documentation = "The Questionnaire's business identifier (type level)." },
                new() { Name = "canonical", Use = OperationParameterUse.In, Min = 0, Max = "1", Type = FHIRAllTypes.Uri, Documentation = "The Questionnaire's canonical URL, optionally |version (type level)." },
                new() { Name = "questionnaire", Use = OperationParameterUse.In, Min = 0, Max = "1", Type = FHIRAllTypes.Questionnaire, Documentation = "The Questionnaire itself (type level)." },
                new() { Name = "subject", Use = OperationParameterUse.In, Min = 1, Max = "1", Type = FHIRAllTypes.Reference, Documentation = "The Patient the form is about." },
                new() { Name = "response", Use = OperationParameterUse.Out, Min = 1, Max = "1", Type = FHIRAllTypes.QuestionnaireResponse, Documentation = "The pre-filled response, status in-progress." },
            ],
        },
    ];
}
