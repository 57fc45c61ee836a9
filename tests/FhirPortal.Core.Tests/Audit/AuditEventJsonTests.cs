using System.Text;
using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Core.Serialization;
using FhirPortal.Core.Tests.Interactions;
using FhirPortal.Search;
using FhirPortal.Storage;

namespace FhirPortal.Core.Tests.Audit;

/// <summary>
/// The audit writer's AuditEvents are written as JSON and index rows straight from their fields: both must equal what
/// the SDK serializer writes for the same AuditEvent as a POCO and what the indexer computes from the parsed JSON.
/// </summary>
public sealed class AuditEventJsonTests
{
    private static readonly Caller Clinician = new(["user/*.rs"], FhirUser: "Practitioner/d1", ClientId: "chart-app") { UserName = "dr.who", NetworkAddress = "10.0.0.7" };
    private static readonly Caller PatientUser = new(["patient/*.rs"], PatientId: "p1", FhirUser: "https://portal.test/fhir/Patient/p1", ClientId: "portal") { UserName = "ada \"A\" lovelace", NetworkAddress = "::1" };
    private static readonly Caller NamedOnly = new(["user/*.rs"]) { UserName = "nurse  joy" };
    private static readonly Caller Backend = new(["system/*.rs"], ClientId: "backend") { NetworkAddress = "10.0.0.8" };

    public static TheoryData<string, Caller, int, string?, bool, string[]> Records => new()
    {
        // (interaction, caller, status, error, query text kept, patients)
        { "read", Clinician, 200, null, true, ["p1"] },
        { "search-type", Backend, 200, null, false, ["p2"] },
        { "operation", PatientUser, 200, null, true, ["p1"] },
        { "search-system", Caller.Unsecured, 200, null, true, [] },
        { "history-instance", NamedOnly, 403, "Access denied: <scope> & \"patient\" é", true, [] },
        { "vread", new Caller([]), 500, "boom", true, ["p3"] },
    };

    [Theory]
    [MemberData(nameof(Records))]
    public async Task Direct_json_and_index_rows_equal_the_sdk_serializer_and_indexer(string interaction, Caller caller, int status, string? error, bool withQuery, string[] patients)
    {
        using var core = new CoreServices();
        var versions = status >= 400 ? [] : new List<StoredResource>
        {
            await core.SeedAsync(CoreServices.Patient("p1")),
            await core.SeedAsync(new Hl7.Fhir.Model.Observation { Id = "o1", Status = Hl7.Fhir.Model.ObservationStatus.Final, Code = new("http://loinc.org", "8480-6"), Subject = new("Patient/p1") }),
        };
        var access = new AccessEvent(interaction, caller, "Observation?code=http://loinc.org|8480-6&name=Zoë", versions, patients, status, error,
            new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(1234567));
        var record = new AuditRecord(access, withQuery ? access.Query : "Observation", withQuery, versions, patients);
        var now = new DateTimeOffset(2026, 3, 4, 5, 6, 8, 123, TimeSpan.Zero);

        var direct = core.Get<AuditLog>().Version(record, "a1", now);
        // An access alone in its flush is written exactly as before aggregation: the grouping hands back the record itself.
        Assert.Same(record, Assert.Single(AuditGrouping.Group([record], 100)));

        // The rows come from the fields (no fallback to indexing the parsed JSON) ...
        Assert.NotNull(AuditEventIndex.Build(core.Get<SearchIndexer>(), record, "a1", now, []));
        // ... and equal what the SDK writes for the POCO and what the indexer finds in the parsed JSON.

        // One access: its query, each version returned, each patient.
        List<AuditEntity> entities = [new(AuditEntityKind.Query, record.Query, withQuery),
            .. versions.Select(v => new AuditEntity(AuditEntityKind.Version, $"{v.Key.Type}/{v.Key.Id}/_history/{v.VersionId}", v.Key.Type == "Patient")),
            .. patients.Select(p => new AuditEntity(AuditEntityKind.Patient, $"Patient/{p}", true))];
        var sdkJson = FhirSerializer.ToJsonBytes(ReferenceAuditEvent.Build(record, entities, "a1", now));
        Assert.Equal(Encoding.UTF8.GetString(sdkJson), Encoding.UTF8.GetString(direct.Version.Json.Span));
        var indexed = core.Get<SearchIndexer>().Index(FhirParser.ParseStored(direct.Version.Json.Span));
        AssertSameRows(indexed, direct.Index!);
    }

    private const string P1 = "v:Patient/p1/_history/1", O1 = "v:Observation/o1/_history/1", O2 = "v:Observation/o2/_history/1";

    public static TheoryData<string, int, string?, string[], int[], string[]> Aggregates => new()
    {
        // (interaction, status, error, queries of the accesses in order, their times in ms (out of order under
        // concurrency), the entities expected: q: query, v: version, p: patient; each distinct one once, in first-access
        // order, "*n" when n accesses named it)
        { "read", 200, null, ["Patient/p1", "Observation/o1", "Observation/o1", "Observation/o2"], [0, 137, 274, 411], [P1, O1 + "*2", O2, "p:Patient/p1"] },
        { "vread", 200, null, ["Observation/o1/_history/1", "Patient/p1/_history/1"], [300, 100], [O1, P1, "p:Patient/p1"] },
        { "search-type", 200, null, ["Observation?patient=p1", "Observation?patient=p1&code=x", "Observation?patient=p1"], [200, 0, 100],
            ["q:Observation?patient=p1*2", P1 + "*2", O1 + "*3", O2 + "*3", "q:Observation?patient=p1&code=x", "p:Patient/p1"] },
        { "read", 404, "Resource Observation/zz is not known", ["Observation/zz", "Observation/zz", "Observation/yy"], [50, 20, 80],
            ["q:Observation/zz*2", "q:Observation/yy", "p:Patient/p1"] },
    };

    [Theory]
    [MemberData(nameof(Aggregates))]
    public async Task Aggregated_json_and_index_rows_equal_the_sdk_serializer_and_indexer(string interaction, int status, string? error, string[] queries,
        int[] at, string[] expected)
    {
        using var core = new CoreServices();
        var stored = new Dictionary<string, StoredResource>
        {
            ["Patient/p1"] = await core.SeedAsync(CoreServices.Patient("p1")),
            ["Observation/o1"] = await core.SeedAsync(new Hl7.Fhir.Model.Observation { Id = "o1", Status = Hl7.Fhir.Model.ObservationStatus.Final, Code = new("http://loinc.org", "8480-6"), Subject = new("Patient/p1") }),
            ["Observation/o2"] = await core.SeedAsync(new Hl7.Fhir.Model.Observation { Id = "o2", Status = Hl7.Fhir.Model.ObservationStatus.Final, Code = new("http://loinc.org", "8462-4"), Subject = new("Patient/p1") }),
        };
        var start = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(1234567);
        var records = queries.Select((query, i) =>
        {
            var versions = status >= 400 ? [] : interaction == "search-type" ? stored.Values.Skip(i % 2).ToList() : new List<StoredResource> { stored[query.Split("/_history")[0]] };
            var access = new AccessEvent(interaction, Clinician, query, versions, ["p1"], status, error, start.AddMilliseconds(at[i]));
            return new AuditRecord(access, query, true, versions, ["p1"]);
        }).ToList();
        var record = Assert.Single(AuditGrouping.Group(records, 100));
        var now = start.AddSeconds(1);

        var direct = core.Get<AuditLog>().Version(record, "a1", now);

        Assert.NotNull(AuditEventIndex.Build(core.Get<SearchIndexer>(), record, "a1", now, []));
        var entities = expected.Select(e =>
        {
            var (entity, count) = e.Split('*') is [var named, var n] ? (named, int.Parse(n, System.Globalization.CultureInfo.InvariantCulture)) : (e, 1);
            return entity.Split(':', 2) switch
            {
                ["q", var text] => new AuditEntity(AuditEntityKind.Query, text, true) { Count = count },
                ["v", var text] => new AuditEntity(AuditEntityKind.Version, text, text.StartsWith("Patient/", StringComparison.Ordinal)) { Count = count },
                [_, var text] => new AuditEntity(AuditEntityKind.Patient, text, true),
                _ => throw new ArgumentException(e),
            };
        });
        var sdkJson = FhirSerializer.ToJsonBytes(ReferenceAuditEvent.Build(record, entities, "a1", now));
        Assert.Equal(Encoding.UTF8.GetString(sdkJson), Encoding.UTF8.GetString(direct.Version.Json.Span));
        AssertSameRows(core.Get<SearchIndexer>().Index(FhirParser.ParseStored(direct.Version.Json.Span)), direct.Index!);
        var audit = CoreServices.Content<Hl7.Fhir.Model.AuditEvent>(direct.Version);
        // The period spans the earliest to the latest access, whatever order they were queued in.
        Assert.Equal(start.AddMilliseconds(at.Min()), audit.Period!.StartElement!.ToDateTimeOffset(TimeSpan.Zero));
        Assert.Equal(start.AddMilliseconds(at.Max()), audit.Period!.EndElement!.ToDateTimeOffset(TimeSpan.Zero));
        Assert.Equal(start.AddMilliseconds(at.Max()), audit.Recorded);
        Assert.Equal(["Patient/p1"], audit.Entity.Where(e => e.Role?.Code == "1").Select(e => e.What!.Reference));
    }

    [Fact]
    public async Task A_custom_parameter_with_a_covered_name_makes_the_audit_index_the_event_in_full()
    {
        // A custom "patient" for AuditEvent that follows the agents instead of the entities: the fields-based rows
        // would keep the built-in's values under its name, so the writer must index the JSON with the registry's definition.
        var registry = SearchParameterRegistry.CreateDefault();
        registry.SetCustom("custom-patient", [new SearchParameterInfo("AuditEvent", "patient", "http://example.org/SearchParameter/auditevent-patient",
            Hl7.Fhir.Model.SearchParamType.Reference, "AuditEvent.agent.who", ["Patient", "Practitioner"])]);
        using var core = new CoreServices(registry);
        var versions = new List<StoredResource> { await core.SeedAsync(CoreServices.Patient("p1")) };
        var access = new AccessEvent("read", Clinician, "Patient/p1", versions, ["p1"], 200, null, DateTimeOffset.UnixEpoch);
        var record = new AuditRecord(access, access.Query, true, versions, ["p1"]);
        var now = DateTimeOffset.UnixEpoch.AddSeconds(1);

        Assert.Null(AuditEventIndex.Build(core.Get<SearchIndexer>(), record, "a1", now, []));
        var direct = core.Get<AuditLog>().Version(record, "a1", now);
        var indexed = core.Get<SearchIndexer>().Index(FhirParser.ParseStored(direct.Version.Json.Span));
        AssertSameRows(indexed, direct.Index!);
        Assert.Contains(direct.Index!.References, r => r is { Param: "patient", TargetType: "Practitioner", TargetId: "d1" });
    }

    private static void AssertSameRows(ResourceIndex expected, ResourceIndex actual)
    {
        Assert.Equal(Sorted(expected.Tokens), Sorted(actual.Tokens));
        Assert.Equal(Sorted(expected.Strings), Sorted(actual.Strings));
        Assert.Equal(Sorted(expected.Dates), Sorted(actual.Dates));
        Assert.Equal(Sorted(expected.Numbers), Sorted(actual.Numbers));
        Assert.Equal(Sorted(expected.Quantities), Sorted(actual.Quantities));
        Assert.Equal(Sorted(expected.References), Sorted(actual.References));
        Assert.Equal(Sorted(expected.Uris), Sorted(actual.Uris));
        Assert.Equal(Sorted(expected.Compartments), Sorted(actual.Compartments));
        Assert.Equal(expected.Narrative, actual.Narrative);
        Assert.Equal(expected.Content, actual.Content);
    }

    private static List<string> Sorted<T>(IEnumerable<T> rows) => [.. rows.Select(r => r!.ToString()!).Order(StringComparer.Ordinal)];
}
