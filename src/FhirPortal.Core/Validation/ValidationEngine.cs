using System.Collections.Concurrent;
using Firely.Fhir.Validation;
using Firely.Fhir.Validation.Compilation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Snapshot;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;
using Canonical = Firely.Fhir.Validation.Canonical;

namespace FhirPortal.Core.Validation;

/// <summary>
/// Firely's validator over one generation of <see cref="ConformanceResources"/>: stored resources (copied on first
/// use, snapshots generated for differential-only profiles) before the core package, compiled schemas cached, and
/// a terminology service over the same resources. A conformance change makes a new engine. Schemas of core
/// definitions never depend on stored resources, so they are compiled once per process and shared.
/// </summary>
internal sealed class ValidationEngine : IElementSchemaResolver
{
    private const int MaxExpansion = 10_000;

#pragma warning disable ExperimentalApi // the validator's own schema compiler, used with a cache this class owns
    private static readonly Lazy<IElementSchemaResolver> CoreSchemas = new(() =>
        StructureDefinitionToElementSchemaResolver.CreatedCached(ConformanceResources.Core, new ConcurrentDictionary<Canonical, ElementSchema?>()));

    /// <summary>Core schemas with <see cref="InvariantShortcuts"/> applied, shared like <see cref="CoreSchemas"/>.</summary>
    private static readonly ConcurrentDictionary<Canonical, ElementSchema> CoreShortcutSchemas = new();

    private readonly ConformanceResources _resources;
    private readonly bool _shortcuts;
    private readonly IElementSchemaResolver _storedSchemas;
    private readonly ConcurrentDictionary<Canonical, ElementSchema?> _storedCache = new();
    private readonly ConcurrentDictionary<Canonical, ElementSchema> _storedShortcutSchemas = new();

    /// <param name="resources">The conformance resources of this generation.</param>
    /// <param name="shortcuts">Whether the schemas get <see cref="InvariantShortcuts"/> (off only to prove them equivalent).</param>
    public ValidationEngine(ConformanceResources resources, bool shortcuts = true)
    {
        _resources = resources;
        _shortcuts = shortcuts;
        Generation = resources.Generation;
        Resolver = new CachedResolver(new MultiResolver(new StoredView(resources), ConformanceResources.Core));
        Terminology = TerminologyServiceFactory.CreateDefaultForCore(Resolver, new ValueSetExpanderSettings { MaxExpansionSize = MaxExpansion });
        _codes = new CachedCodeValidation(Terminology);
        _storedSchemas = StructureDefinitionToElementSchemaResolver.CreatedCached(Resolver, _storedCache);
    }
#pragma warning restore ExperimentalApi

    public long Generation { get; }

    /// <summary>The stored profiles whose schemas this engine has compiled so far (each on its first use or by the warm-up).</summary>
    public IEnumerable<string> CompiledStoredProfiles => _storedCache.Keys.Select(c => c.ToString());

    /// <summary>Stored then core conformance resources, StructureDefinitions with snapshots.</summary>
    public IAsyncResourceResolver Resolver { get; }

    public ITerminologyService Terminology { get; }

    /// <summary>The validator's code checks: <see cref="Terminology"/> with its answers remembered.</summary>
    private readonly CachedCodeValidation _codes;

    /// <summary>
    /// A schema by canonical: a stored profile's from this generation, anything else from the shared core cache; the
    /// validator asks for every datatype schema it enters here, so the shortcut copies are made once per schema.
    /// </summary>
    public ElementSchema? GetSchema(Canonical schemaUri)
    {
        var stored = _resources.IsStored(schemaUri.Uri ?? schemaUri.ToString());
        var shortcutCache = stored ? _storedShortcutSchemas : CoreShortcutSchemas;
        if (_shortcuts && shortcutCache.TryGetValue(schemaUri, out var known)) return known;
        var compiled = stored ? _storedSchemas.GetSchema(schemaUri) : CoreSchemas.Value.GetSchema(schemaUri);
        return !_shortcuts || compiled is null ? compiled : shortcutCache.GetOrAdd(schemaUri, _ => InvariantShortcuts.Apply(compiled));
    }

    private readonly ConcurrentDictionary<string, ReferenceTargetTypes?> _referenceTargets = new(StringComparer.Ordinal);

    /// <summary>The reference type rules of a profile (null when it cannot be resolved), built once per engine.</summary>
    public ReferenceTargetTypes? ReferenceTargets(string canonical) => _referenceTargets.GetOrAdd(canonical, url =>
        Resolver.TryResolveByCanonicalUriAsync(url).GetAwaiter().GetResult().Value is StructureDefinition sd
            ? new ReferenceTargetTypes(sd, TypeOf)
            : null);

    private string? TypeOf(string profile) => _resources.StructureDefinition(profile)?.Type;

    private Validator? _validator;

    /// <summary>
    /// The validator of this engine, made once with the given settings (always the same ones): it keeps compiled
    /// FHIRPath invariants, so one per validation would compile them again each time.
    /// </summary>
    public Validator Validator(Firely.Fhir.Validation.ValidationSettings settings) =>
        _validator ??= new(Resolver, _codes, null, settings, this);

    /// <summary>Compiles the schema of a profile now (and of the types its elements use), so a first request does not wait for it.</summary>
    public void Compile(string canonical)
    {
        if (GetSchema(new Canonical(canonical)) is null) return;
        if (Resolver.TryResolveByCanonicalUriAsync(canonical).GetAwaiter().GetResult().Value is not StructureDefinition { Snapshot: { } snapshot }) return;
        foreach (var code in snapshot.Element.SelectMany(e => e.Type).Select(t => t.Code).OfType<string>().Distinct())
            GetSchema(new Canonical(code.Contains(':') ? code : ConformanceResources.CoreBase + code));
    }

    /// <summary>
    /// The stored resources, each deep-copied on first use (expansion never touches the originals); a profile without a
    /// snapshot gets one, from its own SnapshotGenerator (the SDK's SnapshotSource shares one, which is not thread-safe).
    /// </summary>
    private sealed class StoredView(ConformanceResources resources) : IAsyncResourceResolver
    {
        private readonly ConcurrentDictionary<string, Resource?> _copies = new(StringComparer.Ordinal);

        public Task<Resource?> ResolveByCanonicalUriAsync(string uri) =>
            System.Threading.Tasks.Task.FromResult(_copies.GetOrAdd(uri.Split('|')[0], Copy));

        public Task<Resource?> ResolveByUriAsync(string uri) => ResolveByCanonicalUriAsync(uri);

        private Resource? Copy(string url)
        {
            if (resources.Stored(url)?.DeepCopy() is not Resource copy) return null;
            if (copy is StructureDefinition { Snapshot: null } profile)
                new SnapshotGenerator(new MultiResolver(this, ConformanceResources.Core), new SnapshotGeneratorSettings { GenerateElementIds = true })
                    .UpdateAsync(profile).GetAwaiter().GetResult();
            return copy;
        }
    }
}
