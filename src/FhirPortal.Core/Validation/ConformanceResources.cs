using System.Collections.Concurrent;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;

namespace FhirPortal.Core.Validation;

/// <summary>
/// The StructureDefinitions, ValueSets and CodeSystems validation can use, in resolution order: those stored on the
/// server (the profiles/ folder is stored at start-up, others arrive through the API), then the R4 core package
/// (the SDK's specification.zip beside the binaries). Every change bumps <see cref="Generation"/>, which
/// invalidates compiled schemas and expansions.
/// </summary>
public sealed class ConformanceResources : IAsyncResourceResolver, IResourceResolver
{
    public const string CoreBase = "http://hl7.org/fhir/StructureDefinition/";

    // One core package per process: it is read-only, and reading its index takes a moment.
    private static readonly Lazy<ZipSource> CoreZip = new(ZipSource.CreateValidationSource);
    private static readonly Lazy<CachedResolver> CorePackage = new(() => new CachedResolver(CoreZip.Value));

    private readonly ConcurrentDictionary<string, Resource> _byKey = new(StringComparer.Ordinal);
    private volatile Dictionary<string, Resource> _byUrl = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private long _generation;
    private readonly StartupTrust _trust = new();

    public static readonly string[] Types = ["StructureDefinition", "ValueSet", "CodeSystem"];

    /// <summary>The R4 core package (hl7.fhir.r4.core 4.0.1).</summary>
    public static IAsyncResourceResolver Core => CorePackage.Value;

    /// <summary>The core package as a listable source (which resources of a type it holds).</summary>
    public static IConformanceSource CoreListing => CoreZip.Value;

    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>
    /// Whether instances of <paramref name="type"/> still validate against the profiles/ files, which the tests of
    /// server-built records prove them valid for; false before the start-up load ends.
    /// </summary>
    public bool UnchangedSinceStartup(string type) => _trust.Holds(type);

    /// <summary>The profiles/ files: loaded resources identical to them keep the trust, any other withdraws it.</summary>
    public void ProvenFiles(IEnumerable<Resource> files) => _trust.Proven(files);

    /// <summary>Whether a canonical resolves to a profiles/ file or, not stored, to the core package.</summary>
    public bool IsProven(string canonical) => Stored(canonical) is { } stored ? _trust.IsProven(stored) : IsCoreUrl(canonical.Split('|')[0]);

    /// <summary>Ends the start-up load; <paramref name="untrusted"/> types are always validated (a required profile that is no profiles/ file).</summary>
    public void StartupCompleted(IEnumerable<string> untrusted) => _trust.Start(untrusted);

    public static bool IsCoreUrl(string url) => url.StartsWith(CoreBase, StringComparison.Ordinal) && !url[CoreBase.Length..].Contains('/');

    /// <summary>Adds or replaces a stored conformance resource (by type/id).</summary>
    public void Set(Resource resource)
    {
        lock (_gate)
        {
            var key = $"{resource.TypeName}/{resource.Id}";
            _trust.Changed(_byKey.GetValueOrDefault(key), resource);
            _byKey[key] = resource;
            Rebuild();
        }
    }

    public void Remove(string type, string id)
    {
        lock (_gate)
        {
            if (!_byKey.TryRemove($"{type}/{id}", out var removed)) return;
            _trust.Changed(removed, null);
            Rebuild();
        }
    }

    public StructureDefinition? StructureDefinition(string canonical) => Find(canonical) as StructureDefinition;

    /// <summary>The StructureDefinitions stored on the server (portal profiles and any added through the API).</summary>
    public IEnumerable<StructureDefinition> StoredProfiles() => _byUrl.Values.OfType<StructureDefinition>().Distinct();

    /// <summary>The stored resource for a canonical (version suffix ignored), or null: the core package is not asked.</summary>
    public Resource? Stored(string canonical) => _byUrl.GetValueOrDefault(canonical.Split('|')[0]);

    /// <summary>Whether a canonical is one of the stored resources (so compiled schemas of it depend on the generation).</summary>
    public bool IsStored(string canonical) => _byUrl.ContainsKey(canonical.Split('|')[0]);

    public Resource? Find(string canonical)
    {
        var url = canonical.Split('|')[0];
        return _byUrl.TryGetValue(url, out var local) ? local : CorePackage.Value.ResolveByCanonicalUriAsync(url).GetAwaiter().GetResult();
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
