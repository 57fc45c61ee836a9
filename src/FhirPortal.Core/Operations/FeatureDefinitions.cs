using FhirPortal.Search;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace FhirPortal.Core.Operations;

/// <summary>
/// The conformance resources a feature brings: the OperationDefinitions of its operations and the SearchParameters its
/// rules need. One registration per feature (<see cref="FeatureDefinitionRegistration.AddFeatureDefinitions"/>) lists the
/// operations in the CapabilityStatement, registers the search parameters and stores all of them at start-up.
/// </summary>
/// <param name="Feature">A short name that keeps the feature's search parameters apart in the registry.</param>
/// <param name="Others">Further conformance resources to store (e.g. subscription topics as Basic).</param>
public sealed record FeatureDefinitions(string Feature, IReadOnlyList<OperationDefinition> Operations, IReadOnlyList<SearchParameter>? SearchParameters = null,
    IReadOnlyList<Resource>? Others = null)
{
    /// <summary>Every resource the feature stores at start-up.</summary>
    public IEnumerable<Resource> Resources => [.. Operations, .. SearchParameters ?? [], .. Others ?? []];
}

/// <summary>Adds a feature's <see cref="FeatureDefinitions"/> and, once, the declaration and the seeder that serve all of them.</summary>
public static class FeatureDefinitionRegistration
{
    public static IServiceCollection AddFeatureDefinitions(this IServiceCollection services, FeatureDefinitions definitions)
    {
        services.AddSingleton(definitions);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICapabilityStatementContributor, FeatureOperations>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, FeatureDefinitionSeeder>());
        return services;
    }
}

/// <summary>Lists every feature operation in the CapabilityStatement: on each resource type its OperationDefinition names, and at system level when it is a system operation.</summary>
internal sealed class FeatureOperations(IEnumerable<FeatureDefinitions> features) : ICapabilityStatementContributor
{
    public void Contribute(CapabilityStatement statement, string baseUrl)
    {
        foreach (var definition in features.SelectMany(f => f.Operations))
        {
            if (definition.System == true)
                foreach (var rest in statement.Rest)
                    rest.Operation.Add(new CapabilityStatement.OperationComponent { Name = definition.Code, Definition = definition.Url, Documentation = definition.Description });
            foreach (var resource in statement.Rest.SelectMany(r => r.Resource).Where(r => definition.Resource.Any(t => t.ToString() == r.Type)))
                resource.Operation.Add(new CapabilityStatement.OperationComponent
                {
                    Name = definition.Code, Definition = definition.Url, Documentation = definition.Description,
                });
        }
    }
}

/// <summary>
/// At start-up: registers the features' search parameters (their rules need them whatever is stored), then stores the
/// features' definitions when missing or changed, so their canonicals resolve on this server, alongside the profiles/
/// conformance resources: not when <c>FhirPortal:ProfilesDirectory</c> is set empty.
/// </summary>
internal sealed class FeatureDefinitionSeeder(IEnumerable<FeatureDefinitions> features, OwnDefinitions definitions, SearchParameterRegistry registry, IConfiguration configuration) : IHostedService
{
    public async System.Threading.Tasks.Task StartAsync(CancellationToken ct)
    {
        foreach (var feature in features)
            foreach (var parameter in feature.SearchParameters ?? [])
                registry.SetCustom($"{feature.Feature}:{parameter.Id}", CustomSearchParameter.ToInfos(parameter, registry));
        if (configuration["FhirPortal:ProfilesDirectory"] is "") return;
        await definitions.StoreAsync(features.SelectMany(f => f.Resources), ct);
    }

    public System.Threading.Tasks.Task StopAsync(CancellationToken ct) => System.Threading.Tasks.Task.CompletedTask;
}
