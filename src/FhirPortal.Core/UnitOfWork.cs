using FhirPortal.Core.Access;
using FhirPortal.Search;
using FhirPortal.Storage;
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core;

/// <summary>
/// The writes of one atomic step (a single interaction, or a whole transaction Bundle), staged and then committed
/// together. Staged versions are visible to later reads in the same unit. All versions share one timestamp.
/// Every write passes the caller's access check here, so REST, conditional and Bundle writes are covered alike.
/// </summary>
/// <remarks>
/// Public so write rules (<see cref="IWriteRule"/>) can read and stage through it; only Core creates and commits one
/// (<see cref="WriteRunner"/>), so nothing outside Core assembles units of work by hand.
/// </remarks>
public sealed class UnitOfWork
{
    private readonly IResourceStore store;
    private readonly VersionFactory versions;
    private readonly DateTimeOffset now;
    private readonly CallerAccess access;
    private readonly IReadOnlyList<IWriteRule>? rules;

    internal UnitOfWork(IResourceStore store, VersionFactory versions, DateTimeOffset now, CallerAccess access, IReadOnlyList<IWriteRule>? rules = null)
    {
        (this.store, this.versions, this.now, this.access, this.rules) = (store, versions, now, access, rules);
    }

    private readonly Dictionary<ResourceKey, StoredResource> _staged = [];
    private readonly Dictionary<ResourceKey, StoredResource?> _previous = [];
    private readonly Dictionary<ResourceKey, StoredResource?> _read = [];
    private readonly List<ResourceWrite> _writes = [];
    private readonly List<SearchQuery> _mustNotMatch = [];
    private readonly Dictionary<ResourceKey, OperationOutcome> _warnings = [];
    private readonly HashSet<ResourceKey> _byServer = [];
    // The POCO each staged version was built from (the caller's own, left as it came in, or one a rule composed and
    // staged as its last step) and, once a rule asked, the copy that holds what the version stores; keyed by the
    // version object, so a version a rule replaced is not confused with its replacement.
    private readonly Dictionary<StoredResource, Resource> _sources = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<StoredResource, Resource> _resources = new(ReferenceEqualityComparer.Instance);

    public IResourceStore Store => store;

    /// <summary>Versions a Bundle prepared ahead in parallel (<see cref="PreparedVersions"/>); null: each is built when staged.</summary>
    internal PreparedVersions? Prepared { get; set; }
    public IReadOnlyList<ResourceWrite> Writes => _writes;
    public DateTimeOffset Now => now;
    public CallerAccess Access => access;

    /// <summary>
    /// The unit's staged version of a resource, else the store's current one as the unit first read it (one plan sees
    /// one version of each resource; <see cref="StageForRule"/> stages over it).
    /// </summary>
    public async Task<StoredResource?> CurrentAsync(ResourceKey key, CancellationToken ct)
    {
        if (_staged.TryGetValue(key, out var staged)) return staged;
        if (_read.TryGetValue(key, out var read)) return read;
        return _read[key] = await store.ReadAsync(key, ct);
    }

    /// <summary>
    /// Takes the current versions read for many keys at once (<see cref="IResourceStore.ReadManyAsync"/>, a bulk
    /// writer's batch) as what this unit read of them; a key not among <paramref name="found"/> is new.
    /// </summary>
    internal void Read(IEnumerable<ResourceKey> keys, IReadOnlyList<StoredResource> found)
    {
        foreach (var current in found) _read.TryAdd(current.Key, current);
        foreach (var key in keys) _read.TryAdd(key, null);
    }

    public bool HasStaged(ResourceKey key) => _staged.ContainsKey(key);

    /// <summary>Stages the next version of a resource after <paramref name="current"/> (null: the resource is new).</summary>
    public StoredResource StageVersion(Resource resource, string id, StoredResource? current)
    {
        var method = current is null || current.IsDeleted ? WriteMethod.Create : WriteMethod.Update;
        var versionId = (current?.VersionId ?? 0) + 1;
        OperationOutcome? warnings;
        var write = Prepared is { } prepared
            ? prepared.Version(resource, id, versionId, method, now, out warnings)
            : versions.NewVersion(resource, id, versionId, method, now, out warnings);
        if (warnings is not null) _warnings[write.Version.Key] = warnings;
        // An update that brings a resource (back) into existence creates it, so it needs "c".
        access.RequireWrite(method == WriteMethod.Create ? Permissions.Create : Permissions.Update, write.Version.Key, write.Index, current);
        return Stage(write, current, resource);
    }

    /// <summary>
    /// A version a write rule stages on the server's behalf (a Slot's status after a booking): no caller access check,
    /// and a resource already staged in this unit is replaced, keeping the version it was staged over. A resource the
    /// unit read (<see cref="CurrentAsync"/>) is staged over the version it read, not the store's latest: the rule
    /// computed the new version from what it read, so a change made since must make the commit fail (and re-plan).
    /// </summary>
    public Task<StoredResource> StageForRule(Resource resource, string id, CancellationToken ct) => StageByServer(resource, id, validate: true, ct);

    /// <summary>
    /// <see cref="StageForRule"/> for a resource whose content the server decides (an AuditEvent, a notice, a Slot's
    /// status): stored without profile validation, which cost as much CPU as validating the caller's own resource.
    /// Only for resources that tests prove valid against the portal profiles (ServerRecordValidityTests, NoticeValidityTests);
    /// validated after all once a conformance change since start-up may affect the type (<see cref="VersionFactory.TrustHolds"/>).
    /// </summary>
    public Task<StoredResource> StageTrustedForRule(Resource resource, string id, CancellationToken ct) => StageByServer(resource, id, validate: false, ct);

    /// <summary>
    /// <see cref="StageTrustedForRule"/> for a record the server creates under a new id (an AuditEvent, a notice),
    /// without reading the store first: nothing is stored under a time-ordered UUID made just now (and if it were, the
    /// store's version check would refuse the create).
    /// </summary>
    public StoredResource StageNewTrustedForRule(Resource resource)
    {
        var id = Interactions.CreateInteraction.NewId();
        OperationOutcome? warnings = null;
        // A conformance change since start-up voids what the tests proved: validate as any write.
        var write = versions.TrustHolds(resource.TypeName)
            ? versions.Build(resource, id, 1, WriteMethod.Create, now)
            : versions.NewVersion(resource, id, 1, WriteMethod.Create, now, out warnings);
        if (warnings is not null) _warnings[write.Version.Key] = warnings;
        _byServer.Add(write.Version.Key);
        return Stage(write, null, resource);
    }

    private async Task<StoredResource> StageByServer(Resource resource, string id, bool validate, CancellationToken ct)
    {
        var key = new ResourceKey(resource.TypeName, id);
        var replaced = _staged.ContainsKey(key);
        var current = replaced ? _previous[key] : _read.TryGetValue(key, out var read) ? read : await store.ReadAsync(key, ct);
        var method = current is null || current.IsDeleted ? WriteMethod.Create : WriteMethod.Update;
        var versionId = (current?.VersionId ?? 0) + 1;
        OperationOutcome? warnings = null;
        var write = validate || !versions.TrustHolds(resource.TypeName) ? versions.NewVersion(resource, id, versionId, method, now, out warnings) : versions.Build(resource, id, versionId, method, now);
        if (warnings is not null) _warnings[key] = warnings;
        _byServer.Add(key);
        if (!replaced) return Stage(write, current, resource);
        _writes[_writes.FindIndex(w => w.Version.Key == key)] = write;
        _staged[key] = write.Version;
        _sources[write.Version] = resource;
        return write.Version;
    }

    /// <summary>
    /// A new resource the server composed itself and built ready to store (the access audit's AuditEvents): staged as
    /// it is, without validation or a caller access check, also after a conformance change, because a refused audit
    /// batch would lose the record of who accessed what; tests hold its JSON equal to the SDK's and valid.
    /// </summary>
    internal StoredResource StageBuilt(ResourceWrite write) => Stage(write, current: null);

    /// <summary>
    /// The resource a version holds (null for a deletion), to read, never to change: for a version staged in this unit,
    /// a copy of the POCO it was built from with the version's id and meta (what its JSON holds), made once and shared
    /// by every rule that asks, instead of parsing the JSON the stager had already parsed; for any other version (read
    /// from the store) a fresh parse. A rule that changes the resource copies it first.
    /// </summary>
    /// <remarks>
    /// The copy is made when first asked, from the staged POCO, which nothing changes after staging: a plan does not
    /// change its inputs (<see cref="WriteRunner"/>), and a rule stages what it composed as its last step.
    /// </remarks>
    public Resource? ResourceOf(StoredResource version)
    {
        if (version.IsDeleted) return null;
        if (_resources.TryGetValue(version, out var known)) return known;
        if (!_sources.TryGetValue(version, out var source)) return FhirParser.ParseStored(version.Json.Span);
        var copy = (Resource)source.DeepCopy();
        copy.Id = version.Key.Id;
        copy.Meta = VersionFactory.StoredMeta(source.Meta, version.VersionId, version.LastUpdated);
        return _resources[version] = copy;
    }

    /// <summary>
    /// The POCOs staged so far are about to change (a Bundle's resolved references are put back after the plan), so
    /// <see cref="ResourceOf"/> no longer copies them: it parses those versions' JSON, which holds what is stored.
    /// Copies already made were taken while the POCOs still matched their versions and stay.
    /// </summary>
    internal void ForgetStagedSources() => _sources.Clear();

    /// <summary>The validation warnings a staged write was accepted with, returned to the client as its outcome.</summary>
    public OperationOutcome? WarningsFor(ResourceKey key) => _warnings.GetValueOrDefault(key);

    public StoredResource StageDelete(StoredResource current)
    {
        access.RequireWrite(Permissions.Delete, current.Key, null, current);
        return Stage(VersionFactory.Tombstone(current.Key, current.VersionId + 1, now), current);
    }

    /// <summary>The commit fails with a conflict if a resource matching these criteria exists by then.</summary>
    public void RequireNoMatch(SearchQuery criteria) => _mustNotMatch.Add(criteria);

    /// <summary>Runs the write rules over every staged write (including those the rules stage), then commits.</summary>
    internal async Task CommitAsync(CancellationToken ct)
    {
        if (_writes.Count == 0) return;
        if (rules is { Count: > 0 })
            for (var i = 0; i < _writes.Count; i++)
            {
                var version = _writes[i].Version;
                foreach (var rule in rules) await rule.CheckAsync(this, new StagedWrite(version, _previous[version.Key], _byServer.Contains(version.Key)), ct);
            }
        await store.CommitAsync(new WriteBatch(_writes, _mustNotMatch), ct);
    }

    /// <summary>
    /// The version this unit commits for <paramref name="staged"/>'s resource: a rule may have replaced what an
    /// interaction staged (the server sets a message's <c>sent</c>), and the response must show what was stored.
    /// </summary>
    public StoredResource Latest(StoredResource staged) => _staged.GetValueOrDefault(staged.Key) ?? staged;

    /// <summary>Staged versions of one type (a rule looks at the unit's other writes as well as the store).</summary>
    public IEnumerable<StoredResource> StagedOf(string type) => _staged.Values.Where(v => v.Key.Type == type);

    /// <param name="source">The POCO the version was built from (<see cref="ResourceOf"/>); null for a deletion or a record built ready to store.</param>
    private StoredResource Stage(ResourceWrite write, StoredResource? current, Resource? source = null)
    {
        var key = write.Version.Key;
        // The store checks each write against the stored version, so one unit may write a resource only once.
        if (!_staged.TryAdd(key, write.Version))
            throw FhirOutcomeException.BadRequest($"{key} is written more than once in one transaction.");
        _previous[key] = current;
        _writes.Add(write);
        if (source is not null) _sources[write.Version] = source;
        return write.Version;
    }
}
