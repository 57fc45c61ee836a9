using FhirPortal.Search;
using FhirPortal.Storage.Sqlite;
using Hl7.Fhir.Model;
using Microsoft.Data.Sqlite;
using static FhirPortal.Storage.Tests.Contract.TestResources;

namespace FhirPortal.Storage.Tests.Contract;

/// <summary>
/// The SQLite index rows carry their resource's type (schema v10): a search seeks its own type's rows of a parameter
/// code that other types share, and a v9 database migrates to that form with the same search results.
/// </summary>
public sealed class SqliteTypedIndexTests : IDisposable
{
    private readonly SqliteTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_search_seeks_the_index_rows_of_its_own_type_only()
    {
        using var store = await OpenWithRecordAsync();
        var byPatient = await store.ExplainAsync(Query("Observation", ("patient", "Patient/p1")), CancellationToken.None);
        // Either reference index has the type in its key now: (param, type, tid, ttype) or (ttype, tid, type, param).
        var seek = Assert.Single(byPatient, line => line.StartsWith("SEARCH i0 USING", StringComparison.Ordinal));
        Assert.Contains("type=?", seek);
        var inCompartment = await store.ExplainAsync(InCompartment("Observation", "p1"), CancellationToken.None);
        Assert.Contains(inCompartment, line => line.Contains("ix_compartment_lookup (ctype=? AND cid=? AND type=?"));
    }

    /// <summary>The record of <see cref="OpenWithRecordAsync"/> plus Observation "tagged", tagged urn:test|t1.</summary>
    private async Task<SqliteResourceStore> OpenWithTaggedObservationAsync()
    {
        var store = await OpenWithRecordAsync();
        await store.CommitAsync(Batch(Version(new Observation
        {
            Id = "tagged", Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "c1"),
            Meta = new Meta { Tag = [new Coding("urn:test", "t1")] },
        }, 1)), CancellationToken.None);
        return store;
    }

    [Fact]
    public async Task A_system_search_without_type_still_seeks_the_value()
    {
        using var store = await OpenWithTaggedObservationAsync();
        var query = Query(null!, ("_tag", "urn:test|t1"));
        var plan = await store.ExplainAsync(query, CancellationToken.None);
        Assert.Contains(plan, line => line.Contains("ix_token_lookup (param=? AND type=? AND code=?"));
        var page = await store.SearchAsync(query, CancellationToken.None);
        Assert.Equal(["tagged"], page.Entries.Select(e => e.Key.Id));
    }

    [Fact]
    public async Task A_system_search_with_many_conditions_stays_within_the_bound_values_limit()
    {
        // Each lookup of a system search names every resource type; bound, 300 of them would pass SQLite's 32,766
        // values per statement and fail the request.
        using var store = await OpenWithTaggedObservationAsync();
        var query = Query(null!) with { Conditions = [.. Enumerable.Repeat<SearchCondition>(new MissingCondition("_tag", SearchParamType.Token, false), 300)] };
        var page = await store.SearchAsync(query, CancellationToken.None);
        Assert.Equal(["tagged"], page.Entries.Select(e => e.Key.Id));
    }

    [Fact]
    public async Task A_version_9_database_migrates_and_every_search_gives_the_same_results()
    {
        IReadOnlyList<string>[] before;
        using (var store = await OpenWithRecordAsync())
            before = await RunAllAsync(store);
        Assert.All(before, result => Assert.NotEmpty(result));
        SqliteConnection.ClearAllPools();
        DowngradeToVersion9(_folder.DatabasePath);

        using (var store = (SqliteResourceStore)await _folder.OpenAsync())
        {
            Assert.Equal(before, await RunAllAsync(store));
            var plan = await store.ExplainAsync(Query("Observation", ("code", "http://loinc.org|c1")), CancellationToken.None);
            Assert.Contains(plan, line => line.Contains("ix_token_lookup (param=? AND type=? AND code=?"));
            // A resource written after the migration is found alongside the migrated ones.
            await store.CommitAsync(Batch(Version(Observation("o9", "p1", "c1"), 1)), CancellationToken.None);
            var page = await store.SearchAsync(Query("Observation", ("patient", "Patient/p1"), ("code", "http://loinc.org|c1")), CancellationToken.None);
            Assert.Equal(["o1", "o9"], page.Entries.Select(e => e.Key.Id).Order());
        }
        using var connection = new SqliteConnection($"Data Source={_folder.DatabasePath}");
        connection.Open();
        foreach (var table in Tables)
            Assert.Equal(0L, Scalar(connection, $"SELECT COUNT(*) FROM {table} x WHERE x.type IS NOT (SELECT r.type FROM resource r WHERE r.rid = x.rid)"));
        Assert.Equal(10L, Scalar(connection, "PRAGMA user_version"));
    }

    private static readonly string[] Tables =
        ["token_index", "string_index", "date_index", "number_index", "quantity_index", "reference_index", "uri_index", "compartment_index"];

    /// <summary>
    /// Patient p1's record: Observations, Conditions and Encounters that share the parameter codes patient, subject,
    /// code and date (and a second patient's), so a lookup that ignored the type would find the other types' rows.
    /// </summary>
    private async Task<SqliteResourceStore> OpenWithRecordAsync()
    {
        var store = (SqliteResourceStore)await _folder.OpenAsync();
        var writes = new List<ResourceWrite>
        {
            Version(Patient("p1", "Smith"), 1),
            Version(Patient("p2", "Jones"), 1),
            Version(Observation("o1", "p1", "c1"), 1),
            Version(Observation("o2", "p1", "c2", performerPatient: "p2"), 1),
            Version(Observation("o3", "p2", "c1"), 1),
        };
        foreach (var (id, patient) in new[] { ("k1", "p1"), ("k2", "p1"), ("k3", "p2") })
        {
            writes.Add(Version(new Condition
            {
                Id = id, Subject = new ResourceReference($"Patient/{patient}"), Code = new CodeableConcept("http://loinc.org", "c1"),
                RecordedDate = "2024-02-10",
            }, 1));
            writes.Add(Version(new Encounter
            {
                Id = "e" + id, Status = Encounter.EncounterStatus.Finished, Subject = new ResourceReference($"Patient/{patient}"),
                Class = new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB"),
                Period = new Period { Start = "2024-02-10T08:00:00Z", End = "2024-02-10T09:00:00Z" },
            }, 1));
        }
        await store.CommitAsync(Batch([.. writes]), CancellationToken.None);
        return store;
    }

    /// <summary>One search per reader of the index tables; each result as its sorted ids (matches, then included).</summary>
    private static async Task<IReadOnlyList<string>[]> RunAllAsync(SqliteResourceStore store)
    {
        SearchQuery[] queries =
        [
            Query("Observation", ("patient", "Patient/p1"), ("code", "http://loinc.org|c1")),
            Query("Condition", ("subject", "Patient/p1")),
            Query("Condition", ("code", "c1"), ("recorded-date", "2024-02-10")),
            Query("Encounter", ("date", "ge2024-02-10"), ("_sort", "date")),
            Query("Observation", ("subject:Patient.name", "Smith")),
            Query("Patient", ("_has:Condition:patient:code", "c1")),
            Query("Patient", ("_id", "p1"), ("_revinclude", "Observation:patient")),
            Query("Observation", ("performer:missing", "true")),
            Query("Observation", ("date", "2024-02-10"), ("_sort", "-date")),
            InCompartment("Condition", "p1"),
        ];
        var results = new List<IReadOnlyList<string>>();
        foreach (var query in queries)
        {
            var page = await store.SearchAsync(query, CancellationToken.None);
            results.Add([.. page.Entries.Select(e => e.Key.Id).Order(), "|", .. page.Included.Select(e => e.Key.Id).Order()]);
        }
        return [.. results];
    }

    private static SearchQuery InCompartment(string type, string patient) =>
        Query(type) with { Conditions = [new CompartmentCondition("Patient", patient)] };

    /// <summary>The v9 schema's index tables: no type column, the lookup indexes as v2/v5/v8 made them.</summary>
    private static void DowngradeToVersion9(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = string.Join("\n", [
            "DROP INDEX ix_token_lookup; DROP INDEX ix_string_lookup; DROP INDEX ix_date_lookup; DROP INDEX ix_date_long;",
            "DROP INDEX ix_number_lookup; DROP INDEX ix_quantity_lookup; DROP INDEX ix_quantity_canonical;",
            "DROP INDEX ix_reference_lookup; DROP INDEX ix_reference_target; DROP INDEX ix_reference_url;",
            "DROP INDEX ix_uri_lookup; DROP INDEX ix_compartment_lookup;",
            .. Tables.Select(t => $"ALTER TABLE {t} DROP COLUMN type;"),
            "CREATE INDEX ix_token_lookup ON token_index(param, code, system, rid);",
            "CREATE INDEX ix_string_lookup ON string_index(param, norm);",
            "CREATE INDEX ix_date_lookup ON date_index(param, start_ms, rid, end_ms);",
            "CREATE INDEX ix_date_long ON date_index(param, start_ms) WHERE NOT (end_ms - start_ms BETWEEN 0 AND 86400000);",
            "CREATE INDEX ix_number_lookup ON number_index(param, value);",
            "CREATE INDEX ix_quantity_lookup ON quantity_index(param, code, value);",
            "CREATE INDEX ix_quantity_canonical ON quantity_index(param, ccode, cvalue);",
            "CREATE INDEX ix_reference_lookup ON reference_index(param, tid, ttype);",
            "CREATE INDEX ix_reference_target ON reference_index(ttype, tid, param);",
            "CREATE INDEX ix_reference_url ON reference_index(param, url);",
            "CREATE INDEX ix_uri_lookup ON uri_index(param, value);",
            "CREATE INDEX ix_compartment_lookup ON compartment_index(ctype, cid, rid);",
            "PRAGMA user_version = 9;",
        ]);
        cmd.ExecuteNonQuery();
        Assert.Equal(0L, Scalar(connection, "SELECT COUNT(*) FROM pragma_table_info('token_index') WHERE name = 'type'"));
        SqliteConnection.ClearAllPools();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar());
    }
}
