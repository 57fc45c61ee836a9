using FhirPortal.Core.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Core.Subscriptions;

/// <summary>Registers FHIR Subscriptions: the write rules that validate subscriptions and record events, delivery and $status.</summary>
public static class SubscriptionRegistration
{
    /// <summary>Adds the Core parts; the host binds <see cref="SubscriptionOptions"/> and adds an <see cref="IRestHookChannel"/> and <see cref="ISubscriptionSecrets"/>.</summary>
    public static IServiceCollection AddSubscriptionWorkflow(this IServiceCollection services)
    {
        services.AddSingleton<SubscriptionEvents>();
        services.AddSingleton<SubscriptionEventLog>();
        services.AddSingleton<IWriteRule, SubscriptionRules>();
        services.AddSingleton<SubscriptionDelivery>();
        services.AddSingleton<SubscriptionOwnerUpgrade>();
        services.AddSingleton<SubscriptionStatusOperation>();
        services.AddSingleton<ICapabilityStatementContributor, SubscriptionCapabilities>();
        services.AddFeatureDefinitions(new FeatureDefinitions("subscriptions", SubscriptionCapabilities.Definitions(),
            [SubscriptionFilterSearch.Definition(), SubscriptionEventSearch.Definition(), .. SubscriptionOwnerSearch.Definitions()], [.. SubscriptionTopics.All.Select(SubscriptionTopics.AsBasic)]));
        return services;
    }
}
