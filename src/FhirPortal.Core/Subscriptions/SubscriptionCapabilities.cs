using FhirPortal.Core.Operations;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// Declares the topics on the CapabilityStatement's Subscription entry (backport
/// <c>capabilitystatement-subscriptiontopic-canonical</c>); the OperationDefinitions of <c>$status</c>/<c>$events</c> and the
/// topic Basics are listed and stored through <see cref="FeatureDefinitions"/>.
/// </summary>
public sealed class SubscriptionCapabilities : ICapabilityStatementContributor
{
    public void Contribute(CapabilityStatement statement, string baseUrl)
    {
        foreach (var subscription in statement.Rest.SelectMany(r => r.Resource).Where(r => r.Type == "Subscription"))
            foreach (var topic in SubscriptionTopics.All)
                subscription.Extension.Add(new Extension(Backport.TopicCanonical, new Canonical(topic.Url)));
    }

    public static IReadOnlyList<OperationDefinition> Definitions() =>
    [
        Operation("status", "SubscriptionStatus", "Subscription status",
            "The subscription's current status as a backport SubscriptionStatus (Parameters) in a searchset Bundle: status, type query-status, " +
            "events-since-subscription-start and, in error, the reason.",
            [new() { Name = "return", Use = OperationParameterUse.Out, Min = 1, Max = "1", Type = FHIRAllTypes.Bundle, Documentation = "Bundle with the SubscriptionStatus." }]),
        Operation("events", "SubscriptionEvents", "Subscription events",
            "The subscription's recorded events (numbers and focus references; those the caller may read now) in a history notification Bundle of type query-event; at most one page (FhirPortal:Subscriptions:EventPage, default 100).",
            [
                new() { Name = "eventsSinceNumber", Use = OperationParameterUse.In, Min = 0, Max = "1", Type = FHIRAllTypes.String, Documentation = "First event number (inclusive)." },
                new() { Name = "eventsUntilNumber", Use = OperationParameterUse.In, Min = 0, Max = "1", Type = FHIRAllTypes.String, Documentation = "Last event number (inclusive)." },
                new() { Name = "return", Use = OperationParameterUse.Out, Min = 1, Max = "1", Type = FHIRAllTypes.Bundle, Documentation = "The notification Bundle." },
            ]),
    ];

    private static OperationDefinition Operation(string code, string name, string title, string description, List<OperationDefinition.ParameterComponent> parameters) => new()
    {
        Id = "Subscription-" + code,
        Url = "http://fhirportal.org/fhir/OperationDefinition/Subscription-" + code,
        Name = name,
        Title = title,
        Status = PublicationStatus.Active,
        Kind = OperationDefinition.OperationKind.Operation,
        Code = code,
        Resource = [ResourceType.Subscription],
        System = false,
        Type = false,
        Instance = true,
        AffectsState = false,
        Description = description,
        Parameter = parameters,
    };
}
