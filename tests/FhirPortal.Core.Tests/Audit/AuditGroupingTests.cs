using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Core.Tests.Interactions;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Audit;

/// <summary>
/// The accesses of one flush to one patient's record by one user, app and address with one outcome are stored as one
/// AuditEvent listing each access; anything that differs, another patient, or the entity cap starts another event.
/// </summary>
public sealed class AuditGroupingTests
{
    private static readonly Caller Clinician = new(["user/*.rs"], FhirUser: "Practitioner/d1", ClientId: "chart-app") { UserName = "dr.who", NetworkAddress = "10.0.0.7" };
    private static readonly DateTimeOffset Start = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    [Fact]
    public async System.Threading.Tasks.Task Five_reads_of_one_patients_records_by_one_caller_are_one_event_with_five_entities_and_their_period()
    {
        using var core = new CoreServices();
        var reads = new List<AccessEvent>();
        for (var i = 0; i < 5; i++)
        {
            var version = await core.SeedAsync(Observation($"o{i}", "p1"));
            reads.Add(Read(version, Clinician, Start.AddMilliseconds(100 * i)));
        }

        await core.Get<AuditLog>().WriteAsync(reads, CancellationToken.None);

        var audit = CoreServices.Content<AuditEvent>(Assert.Single(await core.FindAsync("AuditEvent", ("patient", "Patient/p1"))));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"Observation/o{i}/_history/1"),
            audit.Entity.Where(e => e.Role?.Code == "4").Select(e => e.What!.Reference));
        Assert.Equal(["Patient/p1"], audit.Entity.Where(e => e.Role?.Code == "1").Select(e => e.What!.Reference));
        Assert.Equal(Start, audit.Period!.StartElement!.ToDateTimeOffset(TimeSpan.Zero));
        Assert.Equal(Start.AddMilliseconds(400), audit.Period!.EndElement!.ToDateTimeOffset(TimeSpan.Zero));
        Assert.Equal(Start.AddMilliseconds(400), audit.Recorded);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_repeated_read_or_search_is_listed_once_with_how_many_accesses_named_it()
    {
        using var core = new CoreServices();
        var o1 = await core.SeedAsync(Observation("o1", "p1"));
        var o2 = await core.SeedAsync(Observation("o2", "p1"));
        var search = new AccessEvent("search-type", Clinician, "Observation?subject=Patient/p1", [o1], [], 200, null, Start);
        AccessEvent[] accesses = [Read(o1, Clinician, Start), Read(o2, Clinician, Start), search, search, Read(o1, Clinician, Start), Read(o1, Clinician, Start)];

        await core.Get<AuditLog>().WriteAsync(accesses, CancellationToken.None);

        var events = (await core.FindAsync("AuditEvent", ("patient", "Patient/p1"))).Select(CoreServices.Content<AuditEvent>)
            .ToDictionary(e => e.Subtype.Single().Code!, e => e.Entity.Select(x => $"{x.What?.Reference ?? x.Description} {Accesses(x)}").ToList());
        const string version = "Observation/o1/_history/1", query = "Observation?subject=Patient/p1";
        // Every access is still counted: three reads of o1, one of o2; two searches, each returning o1.
        Assert.Equal([$"{version} 3", "Observation/o2/_history/1 1", "Patient/p1 1"], events["read"]);
        Assert.Equal([$"{query} 2", $"{version} 2", "Patient/p1 1"], events["search-type"]);
    }

    [Fact]
    public async System.Threading.Tasks.Task Repeats_do_not_count_toward_the_entity_cap()
    {
        using var core = new CoreServices();
        core.Get<AuditOptions>().EntitiesPerEvent = 3;
        var o1 = await core.SeedAsync(Observation("o1", "p1"));
        var o2 = await core.SeedAsync(Observation("o2", "p1"));
        var reads = Enumerable.Range(0, 50).Select(i => Read(i % 2 == 0 ? o1 : o2, Clinician, Start.AddMilliseconds(i))).ToList();

        await core.Get<AuditLog>().WriteAsync(reads, CancellationToken.None);

        var audit = CoreServices.Content<AuditEvent>(Assert.Single(await core.FindAsync("AuditEvent", ("patient", "Patient/p1"))));
        Assert.Equal(["Observation/o1/_history/1 25", "Observation/o2/_history/1 25", "Patient/p1 1"],
            audit.Entity.Select(x => $"{x.What!.Reference} {Accesses(x)}"));
        Assert.Equal(Start.AddMilliseconds(49), audit.Period!.EndElement!.ToDateTimeOffset(TimeSpan.Zero));
    }

    [Fact]
    public async System.Threading.Tasks.Task Two_entities_per_event_keeps_every_access_in_its_own_event_repeats_too()
    {
        using var core = new CoreServices();
        core.Get<AuditOptions>().EntitiesPerEvent = 2;
        var o1 = await core.SeedAsync(Observation("o1", "p1"));

        await core.Get<AuditLog>().WriteAsync([Read(o1, Clinician, Start), Read(o1, Clinician, Start.AddMilliseconds(1))], CancellationToken.None);

        var events = (await core.FindAsync("AuditEvent", ("patient", "Patient/p1"))).Select(CoreServices.Content<AuditEvent>).ToList();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Null(e.Period));
    }

    // The accesses an entity stands for: its "accesses" detail, 1 without one.
    private static int Accesses(AuditEvent.EntityComponent entity) =>
        entity.Detail.SingleOrDefault(d => d.Type == "accesses")?.Value is FhirString { Value: { } count } ? int.Parse(count, System.Globalization.CultureInfo.InvariantCulture) : 1;

    [Fact]
    public async System.Threading.Tasks.Task Reads_of_two_patients_are_two_events_each_found_only_by_its_patient()
    {
        using var core = new CoreServices();
        var reads = new List<AccessEvent>();
        foreach (var (id, patient) in new[] { ("o1", "p1"), ("o2", "p2"), ("o3", "p1"), ("o4", "p2") })
            reads.Add(Read(await core.SeedAsync(Observation(id, patient)), Clinician, Start));

        await core.Get<AuditLog>().WriteAsync(reads, CancellationToken.None);

        foreach (var (patient, own) in new[] { ("p1", new[] { "o1", "o3" }), ("p2", new[] { "o2", "o4" }) })
        {
            var audit = CoreServices.Content<AuditEvent>(Assert.Single(await core.FindAsync("AuditEvent", ("patient", $"Patient/{patient}"))));
            Assert.Equal(own.Select(o => $"Observation/{o}/_history/1"), audit.Entity.Where(e => e.Role?.Code == "4").Select(e => e.What!.Reference));
            Assert.Equal([$"Patient/{patient}"], audit.Entity.Where(e => e.Role?.Code == "1").Select(e => e.What!.Reference));
        }
    }

    public static TheoryData<string, Caller, int> Differences => new()
    {
        // (what differs, the second access's caller, its HTTP status)
        { "client", Clinician with { ClientId = "other-app" }, 200 },
        { "address", Clinician with { NetworkAddress = "10.0.0.8" }, 200 },
        { "user", Clinician with { FhirUser = "Practitioner/d2", UserName = "dr.no" }, 200 },
        { "outcome", Clinician, 403 },
    };

    [Theory]
    [MemberData(nameof(Differences))]
    public async System.Threading.Tasks.Task Accesses_differing_in_agent_or_outcome_are_separate_events(string difference, Caller second, int status)
    {
        using var core = new CoreServices();
        var first = await core.SeedAsync(Observation("o1", "p1"));
        var other = await core.SeedAsync(Observation("o2", "p1"));
        var reads = new List<AccessEvent>
        {
            Read(first, Clinician, Start),
            status == 200 ? Read(other, second, Start) : new AccessEvent("read", second, "Observation/o2", [], ["p1"], status, "denied", Start),
        };

        await core.Get<AuditLog>().WriteAsync(reads, CancellationToken.None);

        Assert.True((await core.FindAsync("AuditEvent", ("patient", "Patient/p1"))).Count == 2, difference);
    }

    [Fact]
    public async System.Threading.Tasks.Task Accesses_beyond_the_entity_cap_start_another_event()
    {
        using var core = new CoreServices();
        core.Get<AuditOptions>().EntitiesPerEvent = 5;
        var reads = new List<AccessEvent>();
        for (var i = 0; i < 9; i++) reads.Add(Read(await core.SeedAsync(Observation($"o{i}", "p1")), Clinician, Start.AddSeconds(i)));

        await core.Get<AuditLog>().WriteAsync(reads, CancellationToken.None);

        var events = (await core.FindAsync("AuditEvent", ("patient", "Patient/p1"), ("_sort", "date"))).Select(CoreServices.Content<AuditEvent>).ToList();
        // 5 entities each: the patient and 4 versions, then the 5 left over.
        Assert.Equal([4, 4, 1], events.Select(e => e.Entity.Count(x => x.Role?.Code == "4")));
        Assert.All(events, e => Assert.True(e.Entity.Count <= 5));
        Assert.Equal(Enumerable.Range(0, 9).Select(i => $"Observation/o{i}/_history/1"),
            events.SelectMany(e => e.Entity.Where(x => x.Role?.Code == "4").Select(x => x.What!.Reference)));
    }

    [Fact]
    public async System.Threading.Tasks.Task An_access_of_several_patients_keeps_its_own_per_patient_events()
    {
        using var core = new CoreServices();
        var o1 = await core.SeedAsync(Observation("o1", "p1"));
        var o2 = await core.SeedAsync(Observation("o2", "p2"));
        var search = new AccessEvent("search-type", Clinician, "Observation?_id=o1,o2", [o1, o2], [], 200, null, Start);
        var again = new AccessEvent("search-type", Clinician, "Observation?_id=o1", [o1], [], 200, null, Start);

        await core.Get<AuditLog>().WriteAsync([search, again], CancellationToken.None);

        var p1 = (await core.FindAsync("AuditEvent", ("patient", "Patient/p1"))).Select(CoreServices.Content<AuditEvent>).ToList();
        Assert.Equal(2, p1.Count);
        Assert.All(p1, e => Assert.Null(e.Period));
        Assert.Single(await core.FindAsync("AuditEvent", ("patient", "Patient/p2")));
    }

    private static AccessEvent Read(StoredResource version, Caller caller, DateTimeOffset at) =>
        new("read", caller, version.Key.ToString(), [version], [], 200, null, at);

    private static Observation Observation(string id, string patient) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Code = new CodeableConcept("http://loinc.org", "8480-6"),
        Subject = new ResourceReference($"Patient/{patient}"),
    };
}
