using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Core.Tests.Interactions;
using FhirPortal.Core.Tests.Validation;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Audit;

/// <summary>The AuditEvents the audit writer builds: valid R4 and naming each patient the returned versions belong to.</summary>
public sealed class AccessEventBuilderTests
{
    private static readonly Caller Clinician = new(["user/*.rs"], FhirUser: "Practitioner/d1", ClientId: "chart-app") { UserName = "dr.who", NetworkAddress = "10.0.0.7" };
    private static readonly Caller App = new(["system/*.rs"], ClientId: "backend") { NetworkAddress = "10.0.0.8" };

    public static TheoryData<string, Caller, int, string[]> Accesses => new()
    {
        // (interaction, caller, HTTP status, patients expected across the events)
        { "read", Clinician, 200, ["p1"] },
        { "search-type", App, 200, ["p1", "p2"] },
        { "search-type", Clinician, 403, [] },
    };

    [Theory]
    [MemberData(nameof(Accesses))]
    public async System.Threading.Tasks.Task Built_events_are_valid_R4_and_name_the_patients_concerned(string interaction, Caller caller, int status, string[] patients)
    {
        using var core = new CoreServices();
        var returned = status >= 400 ? [] : new List<StoredResource>
        {
            await core.SeedAsync(Observation("o1", "Patient/p1")),
            await core.SeedAsync(Observation("o2", interaction == "read" ? "Patient/p1" : "Patient/p2")),
            await core.SeedAsync(Observation("o3", "Group/g1")),
        };
        var access = new AccessEvent(interaction, caller, "Observation?code=http://loinc.org|8480-6", returned, [], status, status >= 400 ? "denied" : null, DateTimeOffset.UtcNow);

        var events = core.Get<AccessEventBuilder>().Build(access)
            .Select((record, i) => CoreServices.Content<AuditEvent>(core.Get<AuditLog>().Version(record, $"a{i}", DateTimeOffset.UtcNow).Version)).ToList();

        foreach (var audit in events)
            Assert.Empty(ValidatorFactory.Errors(ValidatorFactory.Profiles.Validate(audit, [], asWrite: false)));
        var named = events.SelectMany(e => e.Entity).Where(e => e.Role?.Code == "1").Select(e => e.What!.Reference);
        Assert.Equal(patients.Select(p => $"Patient/{p}"), named.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_query_naming_another_patient_keeps_only_its_path_when_one_patient_had_results()
    {
        using var core = new CoreServices();
        var o1 = await core.SeedAsync(Observation("o1", "Patient/p1"));
        var access = new AccessEvent("search-type", Clinician, "Observation?subject=Patient/p1,Patient/p2", [o1], [], 200, null, DateTimeOffset.UtcNow);

        var record = Assert.Single(core.Get<AccessEventBuilder>().Build(access));
        var audit = CoreServices.Content<AuditEvent>(core.Get<AuditLog>().Version(record, "a1", DateTimeOffset.UtcNow).Version);

        Assert.Equal(["Observation", "Observation/o1/_history/1", "Patient/p1"], audit.Entity.Select(e => e.What?.Reference ?? e.Description));
        Assert.DoesNotContain(audit.Entity, e => e.Query is not null);
    }

    [Theory]
    [InlineData("{\"resourceType\":\"Observation\",\"id\":\"bad\",\"subject\":{\"reference\":")]
    [InlineData("not json")]
    public async System.Threading.Tasks.Task An_unreadable_stored_version_is_recorded_under_the_named_patients_and_the_batch_is_kept(string json)
    {
        using var core = new CoreServices();
        var bad = new StoredResource(new ResourceKey("Observation", "bad"), 1, DateTimeOffset.UtcNow, WriteMethod.Create, System.Text.Encoding.UTF8.GetBytes(json));
        var good = await core.SeedAsync(Observation("o1", "Patient/p2"));
        AccessEvent[] batch =
        [
            new("read", Clinician, "Patient/p1/Observation", [bad], ["p1"], 200, null, DateTimeOffset.UtcNow),
            new("read", App, "Observation/o1", [good], [], 200, null, DateTimeOffset.UtcNow),
        ];

        await core.Get<AuditLog>().WriteAsync(batch, CancellationToken.None);

        var p1 = CoreServices.Content<AuditEvent>(Assert.Single(await core.FindAsync("AuditEvent", ("patient", "Patient/p1"))));
        Assert.Contains(p1.Entity, e => e.What?.Reference == "Observation/bad/_history/1");
        Assert.Single(await core.FindAsync("AuditEvent", ("patient", "Patient/p2")));
    }

    [Fact]
    public async System.Threading.Tasks.Task The_patients_kept_with_a_version_are_those_its_parse_finds_and_are_used_instead()
    {
        using var core = new CoreServices();
        var performed = Observation("o2", "Patient/p1");
        performed.Performer = [new ResourceReference("Patient/p3"), new ResourceReference("Practitioner/d1")];
        Resource[] resources = [Observation("o1", "Patient/p1"), performed, Observation("o3", "Group/g1"),
            new Encounter { Id = "e1", Status = Encounter.EncounterStatus.Finished, Class = new Coding("http://x", "AMB"), Subject = new ResourceReference("Patient/p2") }];
        string[][] expected = [["p1"], ["p1", "p3"], [], ["p2"]];
        var builder = core.Get<AccessEventBuilder>();
        foreach (var (resource, patients) in resources.Zip(expected))
        {
            await core.SeedAsync(resource);
            var stored = (await core.Store.ReadAsync(new ResourceKey(resource.TypeName, resource.Id!), CancellationToken.None))!;
            Assert.NotNull(stored.Patients);

            // Kept at write time (the store's row) or parsed (a version stored before they were kept): the same patients.
            Assert.Equal(patients, PatientsOf(builder, stored));
            Assert.Equal(patients, PatientsOf(builder, stored with { Patients = null }));
        }
        // The kept patients are what the audit uses: no parse when they are there.
        var o1 = (await core.Store.ReadAsync(new ResourceKey("Observation", "o1"), CancellationToken.None))!;
        Assert.Equal(["k1", "k2"], PatientsOf(builder, o1 with { Patients = "k1/k2" }));
        Assert.Empty(PatientsOf(builder, o1 with { Patients = "" }));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_queued_access_holds_no_returned_JSON_but_what_its_patients_are_read_from()
    {
        using var core = new CoreServices();
        await core.SeedAsync(Observation("o1", "Patient/p1"));
        await core.SeedAsync(new Patient { Id = "p2" });
        var kept = (await core.Store.ReadAsync(new ResourceKey("Observation", "o1"), CancellationToken.None))!;
        var patient = (await core.Store.ReadAsync(new ResourceKey("Patient", "p2"), CancellationToken.None))!;
        var older = kept with { Patients = null };
        var audit = core.Get<AccessAudit>();

        using (core.Get<CallerContext>().Use(Clinician))
            await audit.RecordAsync("search-type", "Observation", "Observation", [], () => System.Threading.Tasks.Task.FromResult<IReadOnlyList<StoredResource>>([kept, patient, older]), r => r);

        Assert.True(core.Get<AuditQueue>().Reader.TryRead(out var queued));
        // Only the version stored before its patients were kept still carries its JSON: the writer parses it.
        Assert.Equal([0, 0, older.Json.Length], queued.Resources.Select(v => v.Json.Length));
        Assert.Equal([kept.Key, patient.Key, older.Key], queued.Resources.Select(v => v.Key));
        Assert.Equal(["p1", "p2"], core.Get<AccessEventBuilder>().Build(queued).SelectMany(r => r.Patients).Order(StringComparer.Ordinal));
    }

    private static string[] PatientsOf(AccessEventBuilder builder, StoredResource version) =>
        [.. builder.Build(new AccessEvent("read", Clinician, version.Key.ToString(), [version], [], 200, null, DateTimeOffset.UtcNow))
            .SelectMany(r => r.Patients).Order(StringComparer.Ordinal)];

    private static Observation Observation(string id, string subject) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Code = new CodeableConcept("http://loinc.org", "8480-6"),
        Subject = new ResourceReference(subject),
    };
}
