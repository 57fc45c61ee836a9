using FhirPortal.Core.Operations;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Refills;

/// <summary>
/// Declares <c>$request-refill</c> on MedicationRequest in the CapabilityStatement, backed by an OperationDefinition the
/// server stores at start-up (<c>[base]/OperationDefinition/MedicationRequest-request-refill</c>).
/// </summary>
public sealed class RefillCapabilities : ICapabilityStatementContributor
{
    public void Contribute(CapabilityStatement statement, string baseUrl)
    {
        foreach (var resource in statement.Rest.SelectMany(r => r.Resource).Where(r => r.Type == "MedicationRequest"))
            foreach (var definition in Definitions())
                resource.Operation.Add(new CapabilityStatement.OperationComponent
                {
                    Name = definition.Code, Definition = definition.Url, Documentation = definition.Description,
                });
    }

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
