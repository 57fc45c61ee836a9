using System.Text;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Operations;
using FhirPortal.Core.SearchParameters;
using FhirPortal.Core.Serialization;
using FhirPortal.Core.Validation;
using FhirPortal.Search;
using FhirPortal.Storage;
using FhirPortal.Storage.Sqlite;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Core.Tests.Interactions;

/// <summary>
/// Core's interactions composed as the server composes them (the same AddFhirInteractions), over a fresh SQLite file in a temp
/// folder and run as the server itself (no scope limits). No HTTP: tests call the interactions directly.
/// </summary>
public sealed class CoreServices : IDisposable
{
    public const string BaseUrl = "http://core.test/fhir";
    public static readonly FhirParser Parser = new(100);
    // The 1,698 R4 definitions are read once; a test that registers a custom SearchParameter passes its own registry.
    private static readonly Lazy<SearchParameterRegistry> Registry = new(SearchParameterRegistry.CreateDefault);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "fhirportal-core-tests", Guid.NewGuid().ToString("N"));
    private readonly SqliteResourceStore _sqlite;
    private readonly ServiceProvider _services;
    private readonly IDisposable _caller;

    /// <param name="registry">A registry of the test's own when it registers custom SearchParameters; else the shared R4 one.</param>
    public CoreServices(SearchParameterRegistry? registry = null)
    {
        registry ??= Registry.Value;
        Directory.CreateDirectory(_folder);
        _sqlite = new SqliteResourceStore(Path.Combine(_folder, "fhirportal.db"), registry);
        Store = new RacingStore(_sqlite);
        _services = new ServiceCollection()
            .AddSingleton(TimeProvider.System)
            .AddSingleton(new FhirLimits())
            .AddSingleton<IResourceStore>(Store)
            .AddSingleton(registry)
            .AddSingleton<SearchIndexer>()
            .AddSingleton<SearchQueryParser>()
            .AddSingleton<CustomSearchParameters>()
            .AddSingleton(Parser)
            .AddSingleton<ConformanceResources>()
            .AddSingleton(ValidationSettings.None)
            .AddSingleton<ResourceValidator>()
            .AddSingleton<ConformanceSync>()
            .AddSingleton<AccessPolicy>()
            .AddSingleton<CallerContext>()
            .AddFhirInteractions()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        _caller = Get<CallerContext>().Use(Caller.Server);
    }

    /// <summary>The SQLite store, with a hook to land a competing write between a write's plan and its commit.</summary>
    public RacingStore Store { get; }

    public CreateInteraction Create => Get<CreateInteraction>();
    public ReadInteraction Read => Get<ReadInteraction>();
    public UpdateInteraction Update => Get<UpdateInteraction>();
    public PatchInteraction Patch => Get<PatchInteraction>();
    public DeleteInteraction Delete => Get<DeleteInteraction>();
    public SearchInteraction Search => Get<SearchInteraction>();
    public HistoryInteraction History => Get<HistoryInteraction>();
    public BatchInteraction Batch => Get<BatchInteraction>();
    public TransactionInteraction Transaction => Get<TransactionInteraction>();
    public MetaOperation Meta => Get<MetaOperation>();

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    public static T Parse<T>(string json) where T : Resource => (T)Parser.ParseJson(Encoding.UTF8.GetBytes(json));

    public static Patient Patient(string? id = null, string family = "Lovelace", string? mrn = null)
    {
        var patient = new Patient { Id = id, Name = [new HumanName { Family = family }] };
        if (mrn is not null) patient.Identifier = [new Identifier("urn:mrn", mrn)];
        return patient;
    }

    /// <summary>The stored version as a POCO.</summary>
    public static T Content<T>(StoredResource stored) where T : Resource => (T)FhirParser.ParseStored(stored.Json.Span);

    /// <summary>Stores a resource with an update (client id) and returns its version.</summary>
    public async Task<StoredResource> SeedAsync(Resource resource) =>
        (await Update.UpdateAsync(new ResourceKey(resource.TypeName, resource.Id!), resource, null, CancellationToken.None)).Resource!;

    /// <summary>Every version of one resource, newest first, straight from the store.</summary>
    public async Task<IReadOnlyList<StoredResource>> VersionsAsync(ResourceKey key) =>
        (await Store.HistoryAsync(new HistoryQuery(key.Type, key.Id, null, null, null, 100, null), CancellationToken.None)).Entries;

    /// <summary>Current resources of a type matching the parameters (as the server would search them).</summary>
    public async Task<IReadOnlyList<StoredResource>> FindAsync(string type, params (string Name, string Value)[] parameters)
    {
        var bundle = await Search.ExecuteAsync(BaseUrl, new SearchScope(type), parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)).ToList(), strict: true, CancellationToken.None);
        return bundle.Entries.Where(e => e.SearchMode == Bundle.SearchEntryMode.Match).Select(e => e.Resource!).ToList();
    }

    public void Dispose()
    {
        _caller.Dispose();
        _services.Dispose();
        _sqlite.Dispose();
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { /* the OS cleans temp folders */ }
    }
}
