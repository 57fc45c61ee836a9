using FhirPortal.Core.Operations;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Refills;

/// <summary>
/// The OperationDefinitions of prescription refills (<c>MedicationRequest/$request-refill</c>): listed in the CapabilityStatement and stored at start-up through
/// <see cref="FeatureDefinitions"/> (<c>[base]/OperationDefinition/{id}</c>).
/// </summary>
public static class RefillCapabilities
{
    /// <summary>The OperationDefinitions of prescription refills (R4 operationdefinition.html).</summary>
    public static IReadOnlyList<OperationDefinition> Definitions() =>
    [
        new()
        {
            Id = "MedicationRequest-request-refill",
            Url = "http://fhirportal.org/fhir/OperationDefinition/MedicationRequest-request-refill",
            Name = "MedicationRequestRequestRefill",
            Title = "Request a prescription refill",
            Status = PublicationStatus.Active,
            Kind = OperationDefinition.OperationKind.Operation,
            Code = "request-refill",
            Resource = [ResourceType.MedicationRequest],
            System = false,
            Type = false,
            Instance = true,
            AffectsState = true,
            Description = "Creates a refill request: a Task (code fulfill, intent order, status requested, focus the prescription, for its patient, " +
                          "owner the pharmacy in dispenseRequest.performer or else the prescriber). 201 with the Task. 422 when the prescription is not " +
                          "active, is for a controlled substance (FhirPortal:Refills:ControlledSubstances), has no refills left (numberOfRepeatsAllowed minus " +
                          "the completed dispenses after the first) or it is too early (before FhirPortal:Refills:EarliestFraction of the last fill's supply " +
                          "duration). 409 with Location naming the open Task when one is requested, accepted or in progress. No input parameters.",
            Parameter =
            [
                new() { Name = "return", Use = OperationParameterUse.Out, Min = 1, Max = "1", Type = FHIRAllTypes.Task, Documentation = "The refill request Task." },
            ],
        },
    ];
}
