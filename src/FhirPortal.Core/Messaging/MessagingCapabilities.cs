using FhirPortal.Core.Operations;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Messaging;

/// <summary>
/// The OperationDefinitions of secure messaging (<c>Communication/$mark-read</c>): listed in the CapabilityStatement and stored at start-up through
/// <see cref="FeatureDefinitions"/> (<c>[base]/OperationDefinition/{id}</c>).
/// </summary>
public static class MessagingCapabilities
{
    /// <summary>The OperationDefinitions of secure messaging (R4 operationdefinition.html).</summary>
    public static IReadOnlyList<OperationDefinition> Definitions() =>
    [
        new()
        {
            Id = "Communication-mark-read",
            Url = "http://fhirportal.org/fhir/OperationDefinition/Communication-mark-read",
            Name = "CommunicationMarkRead",
            Title = "Mark a message read",
            Status = PublicationStatus.Active,
            Kind = OperationDefinition.OperationKind.Operation,
            Code = "mark-read",
            Resource = [ResourceType.Communication],
            System = false,
            Type = false,
            Instance = true,
            AffectsState = true,
            Description = "Sets Communication.received to now when a recipient (the patient named in recipient, or a practitioner named directly, " +
                          "through a PractitionerRole or through a CareTeam they belong to) first reads the message; later calls change nothing. " +
                          "Others get 403. Unread messages: Communication?recipient=[ref]&received:missing=true&_summary=count.",
            Parameter =
            [
                new() { Name = "return", Use = OperationParameterUse.Out, Min = 1, Max = "1", Type = FHIRAllTypes.Communication, Documentation = "The message with received set." },
            ],
        },
    ];
}
