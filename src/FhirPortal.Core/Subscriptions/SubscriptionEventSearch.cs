using Hl7.Fhir.Model;

namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// The Basic search parameter <c>subscription-event-number</c> (an event record's number), so <c>$events</c> and the
/// worker read a subscription's events one page at a time, in number order, from a given number on.
/// </summary>
public static class SubscriptionEventSearch
{
    public const string Code = "subscription-event-number";

    public static SearchParameter Definition() => new()
    {
        Id = "basic-subscription-event-number",
        Url = "http://fhirportal.org/fhir/SearchParameter/basic-subscription-event-number",
        Version = "1.0.0",
        Name = "SubscriptionEventNumber",
        Status = PublicationStatus.Active,
        Publisher = "FhirPortal",
        Description = new Markdown("The number of a subscription event record (Basic with code subscription-event), e.g. subscription-event-number=gt10."),
        Code = Code,
        Base = [ResourceType.Basic],
        Type = SearchParamType.Number,
        Expression = $"Basic.extension('{Backport.EventNumber}').value",
        XpathUsage = SearchParameter.XPathUsageType.Normal,
    };
}
