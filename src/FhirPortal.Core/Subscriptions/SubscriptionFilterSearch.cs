using FhirPortal.Search;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Subscriptions;

/// <summary>
/// The Subscription search parameter <c>filter-criteria</c> (the backport filters, exact strings): the write path finds a
/// change's subscribers through it, and a patient's new subscription must be filtered to its own patient
/// (<see cref="SubscriptionOwnerSearch.PatientCondition"/>).
/// </summary>
public static class SubscriptionFilterSearch
{
    public const string Code = "filter-criteria";

    public static SearchParameter Definition() => new()
    {
        Id = "subscription-filter-criteria",
        Url = "http://fhirportal.org/fhir/SearchParameter/subscription-filter-criteria",
        Version = "1.0.0",
        Name = "SubscriptionFilterCriteria",
        Status = PublicationStatus.Active,
        Publisher = "FhirPortal",
        Description = new Markdown("A Subscription's backport-filter-criteria values, e.g. filter-criteria:exact=patient=Patient/1."),
        Code = Code,
        Base = [ResourceType.Subscription],
        Type = SearchParamType.String,
        Expression = $"Subscription.criteria.extension('{Backport.FilterCriteria}').value",
        XpathUsage = SearchParameter.XPathUsageType.Normal,
    };

    /// <summary>Subscriptions with a filter naming exactly this patient (in any of the accepted forms).</summary>
    public static SearchCondition PatientCondition(string patient) =>
        new StringCondition(Code, [$"patient=Patient/{patient}",
            .. SubscriptionTopics.All.SelectMany(t => t.ResourceTypes).Distinct().Select(type => $"{type}?patient=Patient/{patient}")], StringModifier.Exact);
}
