using FhirPortal.Core.Audit;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Operations;
using FhirPortal.Core.Terminology;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FhirPortal.Core;

/// <summary>Registers Core's write path, interactions and terminology: one list the server and Core's tests share.</summary>
public static class InteractionRegistration
{
    /// <summary>
    /// Adds the interactions and what they are built from. The host adds the store, the search registry, the parser,
    /// limits, validation and access policy, which it configures from its own options.
    /// </summary>
    public static IServiceCollection AddFhirInteractions(this IServiceCollection services)
    {
        services.AddSingleton<VersionFactory>();
        // The host binds FhirPortal:Audit; without it (Core's tests) the defaults apply.
        services.TryAddSingleton<AuditOptions>();
        services.AddSingleton<AuditQueue>();
        services.AddSingleton<AccessAudit>();
        services.AddSingleton<AccessEventBuilder>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<AuditRetention>();
        services.AddSingleton<WriteRunner>();
        services.AddSingleton<ConditionalCriteria>();
        services.AddSingleton<ReadInteraction>();
        services.AddSingleton<CreateInteraction>();
        services.AddSingleton<UpdateInteraction>();
        services.AddSingleton<PatchInteraction>();
        services.AddSingleton<DeleteInteraction>();
        services.AddSingleton<HistoryInteraction>();
        services.AddSingleton<TerminologyEngine>();
        services.AddSingleton<SearchTerminology>();
        services.AddSingleton<ConceptMaps>();
        services.AddSingleton<TerminologyOperations>();
        services.AddSingleton<SearchExpansion>();
        services.AddSingleton<SearchInteraction>();
        services.AddSingleton<EntryExecutor>();
        services.AddSingleton<BatchInteraction>();
        services.AddSingleton<TransactionInteraction>();
        services.AddSingleton<CapabilityStatementBuilder>();
        services.AddSingleton<MetaOperation>();
        services.AddSingleton<OwnDefinitions>();
        return services;
    }
}
