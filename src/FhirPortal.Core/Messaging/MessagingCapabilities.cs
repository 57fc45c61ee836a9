using FhirPortal.Core.Operations;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Messaging;

/// <summary>
/// Declares <c>$mark-read</c> on Communication in the CapabilityStatement, backed by an OperationDefinition the server
/// stores at start-up (<c>[base]/OperationDefinition/Communication-mark-read</c>).
/// </summary>
public sealed class MessagingCapabilities : ICapabilityStatementContributor
{
    public void Contribute(CapabilityStatement statement, string baseUrl)
    {
        foreach (var communication in statement.Rest.SelectMany(r => r.Resource).Where(r => r.Type == "Communication"))
            foreach (var definition in Definitions())
                communication.Operation.Add(new CapabilityStatement.OperationComponent
                {
                    Name = definition.Code, Definition = definition.Url, Documentation = definition.Description,
                });
    }

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
