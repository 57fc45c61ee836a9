using System.Collections.Concurrent;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;

namespace FhirPortal.Core.Validation;

/// <summary>
/// The StructureDefinitions, ValueSets and CodeSystems validation can use: those stored on the server (the
/// profiles/ folder is stored at start-up, others arrive through the API) and, behind them, the core package
/// folder when one is configured. Every change bumps <see cref="Generation"/>, which invalidates derived caches.
/// </summary>
public sealed class ConformanceResources : IAsyncResourceResolver, IResourceResolver
{
    private readonly ConcurrentDictionary<string, Resource> _byKey = new(StringComparer.Ordinal);
    private volatile Dictionary<string, Resource> _byUrl = new(StringComparer.Ordinal);
    private readonly IResourceResolver? _core;
    private readonly object _gate = new();
    private long _generation;

    public ConformanceResources(string? coreDefinitions)
    {
        if (string.IsNullOrEmpty(coreDefinitions)) return;
        if (!Directory.Exists(coreDefinitions))
            throw new DirectoryNotFoundException($"Validation:CoreDefinitions '{coreDefinitions}' does not exist.");
        // The package's conformance resources only; search parameters and examples are not needed here.
        _core = new CachedResolver(new DirectorySource(coreDefinitions, new DirectorySourceSettings
        {
            IncludeSubDirectories = true,
            Excludes = ["search-parameters.json", "compartmentdefinition-*.json", "package.json", ".index.json"],
        }));
    }

    public static readonly string[] Types = ["StructureDefinition", "ValueSet", "CodeSystem"];

    public bool HasCoreDefinitions => _core is not null;
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Adds or replaces a stored conformance resource (by type/id).</summary>
    public void Set(Resource resource)
    {
        lock (_gate)
        {
            _byKey[$"{resource.TypeName}/{resource.Id}"] = resource;
            Rebuild();
        }
    }

    public void Remove(string type, string id)
    {
        lock (_gate)
        {
            if (_byKey.TryRemove($"{type}/{id}", out _)) Rebuild();
        }
    }

    public StructureDefinition? StructureDefinition(string canonical) => Find(canonical) as StructureDefinition;
    public ValueSet? ValueSet(string canonical) => Find(canonical) as ValueSet;

    /// <summary>The base definition of a resource or data type from the core package (null without one).</summary>
    public StructureDefinition? CoreType(string type) =>
        _core?.TryResolveByCanonicalUri("http://hl7.org/fhir/StructureDefinition/" + type).Value as StructureDefinition;

    /// <summary>The StructureDefinitions stored on the server (portal profiles and any added through the API).</summary>
    public IEnumerable<StructureDefinition> StoredProfiles() => _byUrl.Values.OfType<StructureDefinition>().Distinct();

    public Resource? Find(string canonical)
    {
        var url = canonical.Split('|')[0];
        return _byUrl.TryGetValue(url, out var local) ? local : _core?.TryResolveByCanonicalUri(url).Value;
    }

    public Resource? ResolveByUri(string uri) => Find(uri);
    public Resource? ResolveByCanonicalUri(string uri) => Find(uri);
    public Task<Resource?> ResolveByUriAsync(string uri) => System.Threading.Tasks.Task.FromResult(Find(uri));
    public Task<Resource?> ResolveByCanonicalUriAsync(string uri) => System.Threading.Tasks.Task.FromResult(Find(uri));

    private void Rebuild()
    {
        var byUrl = new Dictionary<string, Resource>(StringComparer.Ordinal);
        foreach (var resource in _byKey.Values)
            if (Url(resource) is { } url) byUrl[url] = resource;
        _byUrl = byUrl;
        Interlocked.Increment(ref _generation);
    }

    private static string? Url(Resource resource) => resource switch
    {
        StructureDefinition sd => sd.Url,
        ValueSet vs => vs.Url,
        CodeSystem cs => cs.Url,
        _ => null,
    };
}
