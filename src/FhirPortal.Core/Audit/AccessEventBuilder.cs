using System.Text.Json;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FhirPortal.Core.Audit;

/// <summary>
/// One AuditEvent to store, as the fields it is written from (<see cref="AuditEventJson"/>, <see cref="AuditEventIndex"/>):
/// the access, the query it shows, and the versions and patients it names as entities; with <see cref="Also"/> the
/// further accesses aggregated into the same event (<see cref="AuditGrouping"/>).
/// </summary>
/// <param name="WithQueryText">Whether the query is kept as <c>entity.query</c> too (base64); a per-patient copy keeps only its path.</param>
public sealed record AuditRecord(AccessEvent Access, string Query, bool WithQueryText, IReadOnlyList<StoredResource> Versions, IReadOnlyList<string> Patients)
{
    /// <summary>Accesses after this one recorded in the same event (same kind, outcome, agents and patient), in access order; empty for an event of one access.</summary>
    public IReadOnlyList<AuditRecord> Also { get; init; } = [];

    /// <summary>When the event's last access happened: its <c>recorded</c>; with <see cref="Also"/> the end of its <c>period</c>.</summary>
    /// <remarks>The latest time, not the last queued: concurrent requests may queue out of time order.</remarks>
    public DateTimeOffset Recorded => Also.Count == 0 ? Access.Recorded : Times().Max();

    /// <summary>When the event's first access happened: with <see cref="Also"/> the start of its <c>period</c>.</summary>
    public DateTimeOffset Start => Also.Count == 0 ? Access.Recorded : Times().Min();

    private IEnumerable<DateTimeOffset> Times() => Also.Select(a => a.Access.Recorded).Prepend(Access.Recorded);

    /// <summary>How an entity names a returned version: <c>Type/id/_history/n</c>.</summary>
    public static string VersionReference(StoredResource version) => $"{version.Key}/_history/{version.VersionId}";

    /// <summary>
    /// Whether an aggregated event names this access by the version it returned alone (a read or vread), not by its query.
    /// </summary>
    public bool NamedByVersion => Versions.Count > 0 && Access.Interaction is "read" or "vread";

    /// <summary>
    /// The entities in the order they are written. One access: its query, each version returned, its patients (as
    /// always). Several: each distinct query (unless the access is <see cref="NamedByVersion"/>) and version once, in
    /// the order the accesses first named it, with <see cref="AuditEntity.Count"/> the accesses that named it (every
    /// access is still counted), then the patient once.
    /// </summary>
    public IReadOnlyList<AuditEntity> Entities()
    {
        var entities = new List<AuditEntity>(2 + Versions.Count + Patients.Count);
        if (Also.Count == 0)
        {
            entities.Add(new AuditEntity(AuditEntityKind.Query, Query, WithQueryText));
            foreach (var version in Versions) entities.Add(Entity(version));
        }
        else
        {
            var at = new Dictionary<(AuditEntityKind, string), int>();
            foreach (var access in (IEnumerable<AuditRecord>)[this, .. Also])
                foreach (var entity in access.Named())
                {
                    if (at.TryGetValue((entity.Kind, entity.Text), out var i)) entities[i] = entities[i] with { Count = entities[i].Count + 1 };
                    else
                    {
                        at[(entity.Kind, entity.Text)] = entities.Count;
                        entities.Add(entity);
                    }
                }
        }
        foreach (var patient in Patients) entities.Add(new AuditEntity(AuditEntityKind.Patient, $"Patient/{patient}", true));
        return entities;
    }

    /// <summary>What this access adds to an aggregated event: its query (unless <see cref="NamedByVersion"/>) and each version it returned.</summary>
    internal IEnumerable<AuditEntity> Named()
    {
        if (!NamedByVersion) yield return new AuditEntity(AuditEntityKind.Query, Query, WithQueryText);
        foreach (var version in Versions) yield return Entity(version);
    }

    private static AuditEntity Entity(StoredResource version) => new(AuditEntityKind.Version, VersionReference(version), version.Key.Type == "Patient");
}

/// <summary>What an AuditEvent entity stands for: the request, a version returned, or the patient concerned.</summary>
public enum AuditEntityKind { Query, Version, Patient }

/// <summary>One AuditEvent entity: the query text (kind Query; <paramref name="Flag"/>: kept as <c>entity.query</c> too) or a reference (Flag: it names a Patient).</summary>
public readonly record struct AuditEntity(AuditEntityKind Kind, string Text, bool Flag)
{
    /// <summary>The <c>entity.detail</c> type that says how many of an aggregated event's accesses named the entity (written when more than one).</summary>
    public const string AccessesDetail = "accesses";

    /// <summary>How many of the event's accesses named this entity (an aggregated event lists each query and version once).</summary>
    public int Count { get; init; } = 1;
}

/// <summary>
/// Turns an <see cref="AccessEvent"/> into the AuditEvents it is recorded as (DICOM/IHE BALP shape): type <c>rest</c>,
/// the restful-interaction subtype, the user, the client app and the network address as agents, and as entities the
/// query, each version returned and the patient concerned (role Patient, so <c>AuditEvent?patient=</c> finds them).
/// Runs off the request path. The patients of a returned version are those the store kept with it at write time
/// (<see cref="StoredResource.Patients"/>); a version stored before they were kept has its compartment references
/// read instead (only those elements of it are parsed).
/// </summary>
public sealed class AccessEventBuilder(SearchIndexer indexer, SearchParameterRegistry registry, ILogger<AccessEventBuilder>? logger = null)
{
    /// <summary>
    /// The AuditEvents of one access. A patient may read the AuditEvents in their compartment, so when the access
    /// concerned several patients each gets a copy holding only their own entities and, instead of the query text
    /// (it can name the others), only its path. No full event is kept: its Patient versions (<c>Patient/x/_history/n</c>)
    /// would put it in every such patient's compartment (AuditEvent's patient parameter follows entity.what). An access of
    /// one patient keeps its query text only if the query names no other patient (<see cref="QueryPatients"/>).
    /// </summary>
    public IReadOnlyList<AuditRecord> Build(AccessEvent access)
    {
        var versions = access.Resources.Select(v => (Version: v, Patients: PatientsOf(v, access))).ToList();
        var patients = new SortedSet<string>(access.Patients, StringComparer.Ordinal);
        foreach (var (_, of) in versions) patients.UnionWith(of);
        var what = access.Query.Split('?', 2)[0];
        if (patients.Count == 0) return [new AuditRecord(access, access.Query, true, access.Resources, [])];
        if (patients.Count == 1)
            return QueryPatients.NamesOnly(access.Query, patients.Min!, registry)
                ? [new AuditRecord(access, access.Query, true, access.Resources, [.. patients])]
                : [new AuditRecord(access, what, false, access.Resources, [.. patients])];
        return [.. patients.Select(patient => new AuditRecord(access, what, false,
            [.. versions.Where(v => v.Patients.Contains(patient)).Select(v => v.Version)], [patient]))];
    }

    /// <summary>Whether a version's patients are found only by reading its JSON (a version stored before they were kept).</summary>
    internal static bool NeedsJson(StoredResource version) => !version.IsDeleted && version.Key.Type != "Patient" && version.Patients is null;

    private HashSet<string> PatientsOf(StoredResource version, AccessEvent access)
    {
        var patients = new HashSet<string>(StringComparer.Ordinal);
        if (version.IsDeleted) return patients;
        if (version.Key.Type == "Patient")
        {
            patients.Add(version.Key.Id);
            return patients;
        }
        // Kept when the version was written (its index's compartments): no parse. Older versions have none.
        if (version.Patients is { } known)
        {
            foreach (var id in known.Split('/', StringSplitOptions.RemoveEmptyEntries)) patients.Add(id);
            return patients;
        }
        var roots = indexer.PatientCompartmentRoots(version.Key.Type);
        if (roots is { Count: 0 }) return patients;
        try
        {
            // Only the elements the compartment parameters read: parsing a few references, not the whole resource.
            return AddCompartments(patients, roots is null
                ? FhirParser.ParseStored(version.Json.Span) : FhirParser.ParseStored(JsonElements.Keep(version.Json.Span, roots)));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // One unreadable version must not lose the batch: try the whole resource, then the patients the request named.
            try { return AddCompartments(patients, FhirParser.ParseStored(version.Json.Span)); }
            catch (Exception again) when (again is JsonException or InvalidOperationException)
            {
                (logger ?? NullLogger<AccessEventBuilder>.Instance).LogError(again,
                    "Audit: stored version {Version} could not be read; it is recorded under the patients the request named", AuditRecord.VersionReference(version));
                patients.UnionWith(access.Patients);
                return patients;
            }
        }
    }

    private HashSet<string> AddCompartments(HashSet<string> patients, Hl7.Fhir.Model.Resource resource)
    {
        foreach (var compartment in indexer.PatientCompartments(resource)) patients.Add(compartment.Id);
        return patients;
    }
}
