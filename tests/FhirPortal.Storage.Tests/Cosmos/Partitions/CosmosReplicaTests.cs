using FhirPortal.Core.Operations;
using FhirPortal.Search;
using FhirPortal.Storage.Cosmos;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging;
using static FhirPortal.Storage.Tests.Contract.TestResources;

namespace FhirPortal.Storage.Tests.Cosmos;

/// <summary>
/// Resources in several patients' compartments: replicas in the other patients' partitions keep every search within
/// one patient's compartment (and the members of $everything) single-partition, through updates, moves, deletes and
/// crashes; wide resources (too many patients for replicas) are still found.
/// </summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosReplicaTests(CosmosEmulator emulator)
{
    private static CancellationToken None => CancellationToken.None;

    private static SearchQuery InCompartment(string? type, string patient) => new(type, [new CompartmentCondition("Patient", patient)], 50);

    private static async Task<List<string>> KeysAsync(CosmosResourceStore store, SearchQuery query)
    {
        var keys = new List<string>();
        string? cursor = null;
        do
        {
            var page = await store.SearchAsync(query with { Cursor = cursor }, None);
            keys.AddRange(page.Entries.Select(e => $"{e.Key.Type}/{e.Key.Id}"));
            cursor = page.NextCursor;
        } while (cursor is not null);
        return keys.Order(StringComparer.Ordinal).ToList();
    }

    private static Observation PerformedBy(string id, string subject, string performer) => Observation(id, subject, "1111-1", performer);

    [SkippableFact]
    public async Task Compartment_searches_and_record_members_run_in_the_patients_partition_and_follow_every_change()
    {
        emulator.SkipUnlessRunning();
        var queries = new QueryLog();
        using var store = new CosmosResourceStore(emulator.NewContainer(), queries);
        var (p1, p2, p3, o, d) = (NewId(), NewId(), NewId(), NewId(), NewId());
        var doctor = new Practitioner { Id = d, Name = [new HumanName { Family = "Doc" }] };
        var observation = PerformedBy(o, p1, p2);
        observation.Performer.Add(new ResourceReference($"Practitioner/{d}"));
        await store.CommitAsync(Batch(Version(Patient(p1, "One"), 1), Version(Patient(p2, "Two"), 1), Version(Patient(p3, "Three"), 1), Version(doctor, 1)), None);
        await store.CommitAsync(Batch(Version(observation, 1)), None);

        queries.Clear();
        Assert.Equal([$"Observation/{o}"], await KeysAsync(store, InCompartment("Observation", p2)));
        Assert.Equal([$"Observation/{o}"], await KeysAsync(store, Query("Observation", ("performer", $"Patient/{p2}"))));
        Assert.Equal([$"Observation/{o}", $"Patient/{p2}"], await KeysAsync(store, InCompartment(null, p2)));
        Assert.Equal([$"Observation/{o}", $"Patient/{p1}"], await KeysAsync(store, InCompartment(null, p1)));
        Assert.All(queries.Partitions, pk => Assert.NotEqual("*", pk));

        // $everything: members in the patient's partition, the practitioner they reference across partitions.
        queries.Clear();
        var record = new SearchQuery(null, [PatientDataQuery.Records([p2])], 50);
        Assert.Equal([$"Observation/{o}", $"Patient/{p2}", $"Practitioner/{d}"], await KeysAsync(store, record));
        var across = Assert.Single(queries.Texts, q => q.Partition == "*");
        Assert.Contains("c.id)", across.Text); // the referenced resources, by document id
        Assert.All(queries.Texts.Where(q => q != across), q => Assert.Equal($"Patient/{p2}", q.Partition));
        Assert.Equal(3, (await store.SearchAsync(record with { Total = TotalMode.Accurate }, None)).Total);

        // The performer changes: the replica moves from p2's partition to p3's.
        await store.CommitAsync(Batch(Version(PerformedBy(o, p1, p3), 2)), None);
        Assert.Empty(await KeysAsync(store, InCompartment("Observation", p2)));
        Assert.Equal([$"Observation/{o}"], await KeysAsync(store, InCompartment("Observation", p3)));
        // The subject changes to p3: home and replica trade places.
        await store.CommitAsync(Batch(Version(PerformedBy(o, p3, p1), 3)), None);
        Assert.Equal([$"Observation/{o}"], await KeysAsync(store, InCompartment("Observation", p1)));
        Assert.Equal([$"Observation/{o}"], await KeysAsync(store, InCompartment("Observation", p3)));
        Assert.Contains($"Patient/{p1}", Text((await store.SearchAsync(InCompartment("Observation", p1), None)).Entries[0]));
        Assert.Equal(3, (await store.ReadAsync(new("Observation", o), None))!.VersionId);
        Assert.Equal(3, (await store.HistoryAsync(new HistoryQuery("Observation", o, null, null, null, 10, null), None)).Entries.Count);
        // Deleted: in no compartment any more.
        await store.CommitAsync(Batch(Tombstone(new("Observation", o), 4)), None);
        foreach (var patient in new[] { p1, p2, p3 }) Assert.Empty(await KeysAsync(store, InCompartment("Observation", patient)));
    }

    [SkippableFact]
    public async Task Replicated_write_interrupted_after_any_number_of_writes_is_all_or_nothing_after_restart()
    {
        emulator.SkipUnlessRunning();
        var options = emulator.NewContainer();
        for (var crashAfter = 0; crashAfter <= 7; crashAfter++)
        {
            var (p1, p2, p3, o) = (NewId(), NewId(), NewId(), NewId());
            using (var setup = new CosmosResourceStore(options))
                await setup.CommitAsync(Batch(Version(Patient(p1, "One"), 1), Version(Patient(p2, "Two"), 1), Version(Patient(p3, "Three"), 1), Version(PerformedBy(o, p1, p2), 1)), None);
            // Lock, record (the commit), version, replica in p3, replica in p2 removed, current, record deleted.
            var completed = await options.CommitCrashingAsync(crashAfter, Batch(Version(PerformedBy(o, p1, p3), 2)));
            Assert.Equal(crashAfter >= 7, completed);

            using var restarted = new CosmosResourceStore(options.WithLease(TimeSpan.Zero));
            var committed = crashAfter >= 2;
            Assert.Equal(committed ? 2 : 1, (await restarted.ReadAsync(new("Observation", o), None))!.VersionId);
            Assert.Equal(committed ? 0 : 1, (await KeysAsync(restarted, InCompartment("Observation", p2))).Count);
            Assert.Equal(committed ? 1 : 0, (await KeysAsync(restarted, InCompartment("Observation", p3))).Count);
            Assert.Single(await KeysAsync(restarted, InCompartment("Observation", p1)));
        }
    }

    [SkippableFact]
    public async Task Wide_resources_have_no_replicas_and_are_found_in_each_members_compartment()
    {
        emulator.SkipUnlessRunning();
        using var store = new CosmosResourceStore(emulator.NewContainer());
        var members = Enumerable.Range(0, CosmosPartitioning.MaxReplicas + 8).Select(_ => NewId()).ToList();
        await store.CommitAsync(Batch(members.Select(m => Version(Patient(m, "Member"), 1)).ToArray()), None);
        var (wide, small) = (NewId(), NewId());
        Group Cohort(string id, IEnumerable<string> ids) => new()
        {
            Id = id, Type = Group.GroupType.Person, Actual = true,
            Member = ids.Select(m => new Group.MemberComponent { Entity = new ResourceReference($"Patient/{m}") }).ToList(),
        };
        await store.CommitAsync(Batch(Version(Cohort(wide, members), 1), Version(Cohort(small, members.Take(3)), 1)), None);

        Assert.Equal(new[] { $"Group/{wide}", $"Group/{small}" }.Order(StringComparer.Ordinal), await KeysAsync(store, InCompartment("Group", members[1])));
        Assert.Equal([$"Group/{wide}"], await KeysAsync(store, InCompartment("Group", members[^1])));
        Assert.Equal(2, (await store.SearchAsync(InCompartment("Group", members[2]) with { Total = TotalMode.Accurate }, None)).Total);
        var record = await KeysAsync(store, new SearchQuery(null, [PatientDataQuery.Records([members[^1]])], 10));
        Assert.Equal([$"Group/{wide}", $"Patient/{members[^1]}"], record);
        // A sorted search (a sort walk cannot merge parts) still finds both, across partitions.
        Assert.Equal(2, (await KeysAsync(store, InCompartment("Group", members[0]) with { Sort = [new SortKey("type", false)] })).Count);
    }

    /// <summary>The partition and text of every query the store ran since <see cref="Clear"/>.</summary>
    private sealed class QueryLog : ILogger<CosmosResourceStore>
    {
        private readonly List<(string Partition, string Text)> _queries = [];

        public IReadOnlyList<string> Partitions { get { lock (_queries) return _queries.Select(q => q.Partition).ToList(); } }

        public IReadOnlyList<(string Partition, string Text)> Texts { get { lock (_queries) return [.. _queries]; } }

        public void Clear() { lock (_queries) _queries.Clear(); }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is not IReadOnlyList<KeyValuePair<string, object?>> fields) return;
            var values = fields.ToDictionary(f => f.Key, f => f.Value);
            if (values.GetValueOrDefault("Operation") as string != "query") return;
            lock (_queries) _queries.Add(((string)values["Partition"]!, (string)values["Target"]!));
        }
    }
}
