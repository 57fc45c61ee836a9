using System.Text;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using Hl7.Fhir.Model;

namespace FhirPortal.Storage.Tests.Contract;

/// <summary>Builds stored versions (exact JSON with meta set, index values by the real SearchIndexer) and queries.</summary>
public static class TestResources
{
    public static readonly SearchParameterRegistry Registry = SearchParameterRegistry.CreateDefault();
    private static readonly SearchIndexer Indexer = new(Registry);
    private static readonly SearchQueryParser Parser = new(Registry);
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static long _clock;

    /// <summary>A distinct, increasing lastUpdated per call (whole milliseconds, as Core writes them).</summary>
    public static DateTimeOffset Now() => Start.AddMilliseconds(Interlocked.Add(ref _clock, 10));

    public static string NewId() => Guid.NewGuid().ToString("N")[..16];

    public static ResourceWrite Version(Resource resource, int versionId, DateTimeOffset? at = null)
    {
        var now = at ?? Now();
        resource.Meta ??= new Meta();
        resource.Meta.VersionId = versionId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        resource.Meta.LastUpdated = now;
        var stored = new StoredResource(new ResourceKey(resource.TypeName, resource.Id!), versionId, now,
            versionId == 1 ? WriteMethod.Create : WriteMethod.Update, FhirSerializer.ToJsonBytes(resource));
        return new ResourceWrite(stored, Indexer.Index(resource));
    }

    public static ResourceWrite Tombstone(ResourceKey key, int versionId) =>
        new(new StoredResource(key, versionId, Now(), WriteMethod.Delete, ReadOnlyMemory<byte>.Empty), null);

    public static WriteBatch Batch(params ResourceWrite[] writes) => new(writes, []);

    public static Patient Patient(string id, string family, string? identifier = null) => new()
    {
        Id = id,
        Name = [new HumanName { Family = family }],
        Identifier = identifier is null ? [] : [new Identifier("urn:test", identifier)],
        BirthDate = "1980-05-17",
    };

    public static Observation Observation(string id, string patientId, string code, string? performerPatient = null) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Code = new CodeableConcept("http://loinc.org", code),
        Subject = new ResourceReference($"Patient/{patientId}"),
        Performer = performerPatient is null ? [] : [new ResourceReference($"Patient/{performerPatient}")],
        Effective = new FhirDateTime("2024-02-10T08:30:00Z"),
    };

    public static SearchQuery Query(string type, params (string Name, string Value)[] parameters) =>
        Parser.Parse(type, parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)), 20, 1000).Query;

    public static string Text(StoredResource resource) => Encoding.UTF8.GetString(resource.Json.Span);
}
