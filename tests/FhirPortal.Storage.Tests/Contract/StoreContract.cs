using FhirPortal.Search;
using static FhirPortal.Storage.Tests.Contract.TestResources;

namespace FhirPortal.Storage.Tests.Contract;

/// <summary>
/// What every <see cref="IResourceStore"/> must do, run against each store by a subclass that opens a fresh, empty
/// store per test: CRUD, versioning, concurrency, all-or-nothing batches and jobs. Search is in <see cref="SearchContract"/>.
/// </summary>
public abstract class StoreContract : StoreUnderTest
{
    [SkippableFact]
    public async Task Created_resource_reads_back_as_the_exact_stored_json()
    {
        var write = Version(Patient(NewId(), "Chalmers"), 1);
        await Store.CommitAsync(Batch(write), None);
        var read = await Store.ReadAsync(write.Version.Key, None);
        Assert.NotNull(read);
        Assert.Equal(1, read.VersionId);
        Assert.Equal(write.Version.LastUpdated, read.LastUpdated);
        Assert.Equal(WriteMethod.Create, read.Method);
        Assert.Equal(write.Version.Json.ToArray(), read.Json.ToArray());
    }

    [SkippableFact]
    public async Task Every_version_reads_back_with_the_patients_its_index_found_when_written()
    {
        var (id, p1, p2) = (NewId(), NewId(), NewId());
        var key = new ResourceKey("Observation", id);
        await Store.CommitAsync(Batch(Version(Observation(id, p1, "1111-1"), 1)), None);
        await Store.CommitAsync(Batch(Version(Observation(id, p1, "1111-1", performerPatient: p2), 2)), None);
        var organization = Version(new Hl7.Fhir.Model.Organization { Id = NewId(), Name = "No patient" }, 1);
        await Store.CommitAsync(Batch(organization), None);
        string[] both = [.. new[] { p1, p2 }.Order(StringComparer.Ordinal)];

        Assert.Equal(both, Patients(await Store.ReadAsync(key, None)));
        Assert.Equal([p1], Patients(await Store.ReadVersionAsync(key, 1, None)));
        Assert.Equal(both, Patients(Assert.Single((await Store.SearchAsync(Query("Observation", ("_id", id)), None)).Entries)));
        var history = (await Store.HistoryAsync(new HistoryQuery("Observation", id, null, null, null, 10, null), None)).Entries;
        Assert.Equal(new[] { both, [p1] }, history.Select(Patients).ToArray());
        Assert.Equal("", (await Store.ReadAsync(organization.Version.Key, None))!.Patients);
        await Store.CommitAsync(Batch(Tombstone(key, 3)), None);
        Assert.Null((await Store.ReadAsync(key, None))!.Patients);
    }

    [SkippableFact]
    public async Task Reindex_keeps_the_current_version_patients_in_step_with_its_rebuilt_compartments()
    {
        // A SearchParameter change followed by $reindex can move a resource into another patient's compartment: the
        // access audit, which reads the version's patients, must then name that patient.
        var (id, p1, p2) = (NewId(), NewId(), NewId());
        var key = new ResourceKey("Observation", id);
        await Store.CommitAsync(Batch(Version(Observation(id, p1, "1111-1"), 1)), None);
        ResourceIndex Moved(StoredResource _)
        {
            var index = new ResourceIndex();
            index.Compartments.Add(new CompartmentIndexValue("Patient", p2));
            return index;
        }

        await Store.ReindexAsync(new ReindexBatch("Observation", id, null, 10), Moved, None);

        Assert.Equal([p2], Patients(await Store.ReadAsync(key, None)));
        Assert.Equal([p2], Patients(Assert.Single((await Store.SearchAsync(Query("Observation", ("_id", id)), None)).Entries)));
    }

    private static string[] Patients(StoredResource? version) => [.. version!.Patients!.Split('/').Order(StringComparer.Ordinal)];

    [SkippableFact]
    public async Task Read_of_a_resource_that_never_existed_returns_null()
    {
        Assert.Null(await Store.ReadAsync(new ResourceKey("Patient", NewId()), None));
        Assert.Null(await Store.ReadVersionAsync(new ResourceKey("Patient", NewId()), 1, None));
    }

    [SkippableFact]
    public async Task Update_keeps_every_version_readable()
    {
        var id = NewId();
        await Store.CommitAsync(Batch(Version(Patient(id, "First"), 1)), None);
        await Store.CommitAsync(Batch(Version(Patient(id, "Second"), 2)), None);
        var key = new ResourceKey("Patient", id);
        Assert.Equal(2, (await Store.ReadAsync(key, None))!.VersionId);
        Assert.Contains("First", Text((await Store.ReadVersionAsync(key, 1, None))!));
        Assert.Contains("Second", Text((await Store.ReadVersionAsync(key, 2, None))!));
        Assert.Null(await Store.ReadVersionAsync(key, 3, None));
    }

    [SkippableFact]
    public async Task Delete_makes_a_tombstone_the_current_version()
    {
        var id = NewId();
        var key = new ResourceKey("Patient", id);
        await Store.CommitAsync(Batch(Version(Patient(id, "Gone"), 1)), None);
        await Store.CommitAsync(Batch(Tombstone(key, 2)), None);
        var current = await Store.ReadAsync(key, None);
        Assert.True(current!.IsDeleted);
        Assert.Equal(2, current.VersionId);
        Assert.False((await Store.ReadVersionAsync(key, 1, None))!.IsDeleted);
        Assert.Empty((await Store.SearchAsync(Query("Patient", ("_id", id)), None)).Entries);
    }

    [SkippableFact]
    public async Task Write_that_expects_a_stale_version_is_rejected_and_changes_nothing()
    {
        var id = NewId();
        await Store.CommitAsync(Batch(Version(Patient(id, "One"), 1)), None);
        await Assert.ThrowsAsync<WriteConflictException>(() => Store.CommitAsync(Batch(Version(Patient(id, "Again"), 1)), None));
        await Assert.ThrowsAsync<WriteConflictException>(() => Store.CommitAsync(Batch(Version(Patient(id, "Skip"), 3)), None));
        var current = await Store.ReadAsync(new ResourceKey("Patient", id), None);
        Assert.Equal(1, current!.VersionId);
        Assert.Contains("One", Text(current));
    }

    [SkippableFact]
    public async Task Concurrent_updates_of_the_same_version_let_exactly_one_win()
    {
        var id = NewId();
        await Store.CommitAsync(Batch(Version(Patient(id, "Base"), 1)), None);
        var attempts = Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            try
            {
                await Store.CommitAsync(Batch(Version(Patient(id, "Writer" + i), 2)), None);
                return true;
            }
            catch (WriteConflictException)
            {
                return false;
            }
        })).ToList();
        var results = await Task.WhenAll(attempts);
        Assert.Equal(1, results.Count(won => won));
        var current = await Store.ReadAsync(new ResourceKey("Patient", id), None);
        Assert.Equal(2, current!.VersionId);
        Assert.Contains("Writer" + Array.IndexOf(results, true), Text(current));
    }

    [SkippableFact]
    public async Task Read_many_returns_the_current_version_of_each_stored_key_and_skips_the_others()
    {
        var (updated, deleted, observation) = (NewId(), NewId(), NewId());
        await Store.CommitAsync(Batch(Version(Patient(updated, "First"), 1), Version(Patient(deleted, "Gone"), 1), Version(Observation(observation, updated, "1234-5"), 1)), None);
        await Store.CommitAsync(Batch(Version(Patient(updated, "Second"), 2), Tombstone(new ResourceKey("Patient", deleted), 2)), None);
        // More ids than one query of the SQLite store takes, a key given twice, and keys that were never stored.
        var keys = Enumerable.Range(0, 510).Select(_ => new ResourceKey("Patient", NewId()))
            .Concat([new("Patient", updated), new("Patient", deleted), new("Observation", observation), new("Patient", updated), new("Observation", updated)])
            .ToList();

        var found = (await Store.ReadManyAsync(keys, None)).ToDictionary(r => r.Key);

        Assert.Equal(3, found.Count);
        Assert.Equal(2, found[new("Patient", updated)].VersionId);
        Assert.Contains("Second", Text(found[new("Patient", updated)]));
        Assert.True(found[new("Patient", deleted)].IsDeleted);
        Assert.Equal(2, found[new("Patient", deleted)].VersionId);
        var read = await Store.ReadAsync(new ResourceKey("Observation", observation), None);
        Assert.Equal(read!.Json.ToArray(), found[new("Observation", observation)].Json.ToArray());
        Assert.Empty(await Store.ReadManyAsync([], None));
    }

    [SkippableFact]
    public async Task Batch_with_one_conflicting_write_stores_none_of_its_writes()
    {
        var (a, b, c) = (NewId(), NewId(), NewId());
        await Store.CommitAsync(Batch(Version(Patient(b, "Existing"), 1)), None);
        var batch = Batch(Version(Patient(a, "New"), 1), Version(Patient(b, "Stale"), 1), Version(Observation(c, a, "1234-5"), 1));
        await Assert.ThrowsAsync<WriteConflictException>(() => Store.CommitAsync(batch, None));
        Assert.Null(await Store.ReadAsync(new ResourceKey("Patient", a), None));
        Assert.Null(await Store.ReadAsync(new ResourceKey("Observation", c), None));
        Assert.Contains("Existing", Text((await Store.ReadAsync(new ResourceKey("Patient", b), None))!));
        // Nothing stays locked: the same resources can be written right away.
        await Store.CommitAsync(Batch(Version(Patient(a, "New"), 1), Version(Patient(b, "Fresh"), 2)), None);
        Assert.Equal(2, (await Store.ReadAsync(new ResourceKey("Patient", b), None))!.VersionId);
    }

    [SkippableFact]
    public async Task Batch_across_patients_commits_every_write()
    {
        var (p1, p2, o1, o2) = (NewId(), NewId(), NewId(), NewId());
        await Store.CommitAsync(Batch(
            Version(Patient(p1, "One"), 1), Version(Patient(p2, "Two"), 1),
            Version(Observation(o1, p1, "1111-1"), 1), Version(Observation(o2, p2, "2222-2"), 1)), None);
        foreach (var key in new[] { new ResourceKey("Patient", p1), new("Patient", p2), new("Observation", o1), new("Observation", o2) })
            Assert.Equal(1, (await Store.ReadAsync(key, None))!.VersionId);
    }

    [SkippableFact]
    public async Task Conditional_create_fails_when_its_criteria_match_at_commit()
    {
        var identifier = NewId();
        await Store.CommitAsync(Batch(Version(Patient(NewId(), "First", identifier), 1)), None);
        var criteria = SearchQuery.Criteria("Patient", Query("Patient", ("identifier", "urn:test|" + identifier)).Conditions);
        var second = Version(Patient(NewId(), "Second", identifier), 1);
        await Assert.ThrowsAsync<WriteConflictException>(() => Store.CommitAsync(new WriteBatch([second], [criteria]), None));
        Assert.Null(await Store.ReadAsync(second.Version.Key, None));
        var other = SearchQuery.Criteria("Patient", Query("Patient", ("identifier", "urn:test|" + NewId())).Conditions);
        await Store.CommitAsync(new WriteBatch([second], [other]), None);
        Assert.NotNull(await Store.ReadAsync(second.Version.Key, None));
    }

    [SkippableFact]
    public async Task Instance_history_lists_versions_newest_first_page_by_page()
    {
        var id = NewId();
        var key = new ResourceKey("Patient", id);
        await Store.CommitAsync(Batch(Version(Patient(id, "V1"), 1)), None);
        await Store.CommitAsync(Batch(Version(Patient(id, "V2"), 2)), None);
        await Store.CommitAsync(Batch(Tombstone(key, 3)), None);
        var first = await Store.HistoryAsync(new HistoryQuery("Patient", id, null, null, null, 2, null), None);
        Assert.Equal([3, 2], first.Entries.Select(e => e.VersionId));
        Assert.NotNull(first.NextCursor);
        var second = await Store.HistoryAsync(new HistoryQuery("Patient", id, null, null, null, 2, first.NextCursor), None);
        Assert.Equal([1], second.Entries.Select(e => e.VersionId));
        Assert.Null(second.NextCursor);
    }

    [SkippableFact]
    public async Task Type_history_since_an_instant_lists_only_later_versions_of_that_type()
    {
        var (a, b) = (NewId(), NewId());
        await Store.CommitAsync(Batch(Version(Patient(a, "Early"), 1)), None);
        var since = Now();
        await Store.CommitAsync(Batch(Version(Patient(b, "Late"), 1)), None);
        await Store.CommitAsync(Batch(Version(Observation(NewId(), b, "1234-5"), 1)), None);
        await Store.CommitAsync(Batch(Version(Patient(a, "Later"), 2)), None);
        var page = await Store.HistoryAsync(new HistoryQuery("Patient", null, since, null, null, 10, null), None);
        Assert.Equal([(a, 2), (b, 1)], page.Entries.Select(e => (e.Key.Id, e.VersionId)));
    }

    [SkippableFact]
    public async Task Jobs_are_saved_replaced_read_and_listed_by_kind()
    {
        await Store.SaveJobAsync(new JobRecord("job-b", "reindex", "{\"n\":1}"), None);
        await Store.SaveJobAsync(new JobRecord("job-a", "reindex", "{\"n\":2}"), None);
        await Store.SaveJobAsync(new JobRecord("job-c", "export", "{}"), None);
        await Store.SaveJobAsync(new JobRecord("job-b", "reindex", "{\"n\":3}"), None);
        Assert.Equal("{\"n\":3}", (await Store.ReadJobAsync("job-b", None))!.State);
        Assert.Null(await Store.ReadJobAsync("job-z", None));
        Assert.Equal(["job-a", "job-b"], (await Store.ListJobsAsync("reindex", None)).Select(j => j.Id));
    }

    [SkippableFact]
    public async Task Of_ten_racing_compare_and_swap_saves_of_one_job_version_exactly_one_wins()
    {
        var created = await Store.TrySaveJobAsync(new JobRecord("job-cas", "export", "{\"n\":0}"), None);
        Assert.NotNull(created);
        Assert.Null(await Store.TrySaveJobAsync(new JobRecord("job-cas", "export", "{\"n\":-1}"), None)); // exists already
        var read = (await Store.ReadJobAsync("job-cas", None))!;
        Assert.Equal(created, read.Version);

        var saves = await Task.WhenAll(Enumerable.Range(1, 10).Select(n =>
            Task.Run(() => Store.TrySaveJobAsync(read with { State = $"{{\"n\":{n}}}" }, None))));

        var winner = Assert.Single(saves.Select((version, n) => (version, n: n + 1)), s => s.version is not null);
        var after = (await Store.ReadJobAsync("job-cas", None))!;
        Assert.Equal($"{{\"n\":{winner.n}}}", after.State);
        Assert.Equal(winner.version, after.Version);
        Assert.NotEqual(read.Version, after.Version);
        // The listed record carries the version too; a stale version stays refused, the current one is accepted.
        Assert.Equal(after.Version, Assert.Single(await Store.ListJobsAsync("export", None)).Version);
        Assert.Null(await Store.TrySaveJobAsync(read with { State = "{}" }, None));
        Assert.NotNull(await Store.TrySaveJobAsync(after with { State = "{}" }, None));
    }

    [SkippableFact]
    public async Task A_plain_job_save_moves_the_version_on_so_a_compare_and_swap_from_before_it_loses()
    {
        var version = await Store.TrySaveJobAsync(new JobRecord("job-plain", "export", "{}"), None);
        await Store.SaveJobAsync(new JobRecord("job-plain", "export", "{\"cancelled\":true}"), None);
        Assert.Null(await Store.TrySaveJobAsync(new JobRecord("job-plain", "export", "{}", version), None));
        Assert.Equal("{\"cancelled\":true}", (await Store.ReadJobAsync("job-plain", None))!.State);
    }

    [SkippableFact]
    public async Task Jobs_are_listed_by_kind_prefix_with_their_versions_and_nothing_else()
    {
        foreach (var (id, kind) in new[] { ("j3", "share-link:p2"), ("j1", "share-link:p1"), ("j2", "share-link-revoked:p1"), ("j4", "share-link"), ("j5", "share-link;"), ("j6", "export") })
            await Store.SaveJobAsync(new JobRecord(id, kind, "{}"), None);

        var listed = await Store.ListJobsByKindPrefixAsync("share-link:", None);

        Assert.Equal(["j1", "j3"], listed.Select(j => j.Id));
        Assert.Equal(["share-link:p1", "share-link:p2"], listed.Select(j => j.Kind));
        Assert.All(listed, j => Assert.NotNull(j.Version));
        Assert.Equal(["j1", "j2", "j3", "j4", "j5"], (await Store.ListJobsByKindPrefixAsync("share-link", None)).Select(j => j.Id));
        Assert.Empty(await Store.ListJobsByKindPrefixAsync("share-link:p3", None));
    }

    [SkippableFact]
    public async Task A_job_delete_removes_it_for_good_only_while_its_version_holds()
    {
        await Store.SaveJobAsync(new JobRecord("job-old", "export", "{}"), None);
        var stale = (await Store.ReadJobAsync("job-old", None))!;
        await Store.SaveJobAsync(new JobRecord("job-old", "export", "{\"n\":1}"), None);
        await Store.SaveJobAsync(new JobRecord("job-kept", "export", "{}"), None);

        Assert.False(await Store.DeleteJobAsync("job-old", stale.Version, None)); // changed since it was read
        Assert.NotNull(await Store.ReadJobAsync("job-old", None));
        var current = (await Store.ReadJobAsync("job-old", None))!;
        Assert.True(await Store.DeleteJobAsync("job-old", current.Version, None));

        Assert.Null(await Store.ReadJobAsync("job-old", None));
        Assert.Equal(["job-kept"], (await Store.ListJobsAsync("export", None)).Select(j => j.Id));
        Assert.False(await Store.DeleteJobAsync("job-old", current.Version, None)); // already gone
        Assert.False(await Store.DeleteJobAsync("job-old", null, None));
        Assert.True(await Store.DeleteJobAsync("job-kept", null, None)); // any version
        Assert.Empty(await Store.ListJobsAsync("export", None));
        // Gone for good: the same id starts afresh.
        Assert.NotNull(await Store.TrySaveJobAsync(new JobRecord("job-old", "export", "{}"), None));
    }

    [SkippableFact]
    public async Task A_job_deleted_and_saved_again_never_gets_a_version_the_deleted_one_had()
    {
        var versions = new HashSet<string>(StringComparer.Ordinal);
        for (var round = 0; round < 3; round++)
        {
            var created = round % 2 == 0
                ? await Store.TrySaveJobAsync(new JobRecord("job-aba", "export", "{}"), None)
                : await SaveAndReadVersionAsync();
            Assert.True(versions.Add(created!), $"Version {created} came back after a delete.");
            var changed = await Store.TrySaveJobAsync(new JobRecord("job-aba", "export", "{\"n\":1}", created), None);
            Assert.True(versions.Add(changed!), $"Version {changed} came back after a delete.");
            Assert.True(await Store.DeleteJobAsync("job-aba", changed, None));
            // A compare-and-swap holding a version of the deleted record never matches the new one.
            await Store.SaveJobAsync(new JobRecord("job-aba", "export", "{}"), None);
            Assert.Null(await Store.TrySaveJobAsync(new JobRecord("job-aba", "export", "{}", created), None));
            Assert.Null(await Store.TrySaveJobAsync(new JobRecord("job-aba", "export", "{}", changed), None));
            Assert.False(await Store.DeleteJobAsync("job-aba", changed, None));
            Assert.True(versions.Add((await Store.ReadJobAsync("job-aba", None))!.Version!));
            Assert.True(await Store.DeleteJobAsync("job-aba", null, None));
        }

        async Task<string?> SaveAndReadVersionAsync()
        {
            await Store.SaveJobAsync(new JobRecord("job-aba", "export", "{}"), None);
            return (await Store.ReadJobAsync("job-aba", None))!.Version;
        }
    }

    [SkippableFact]
    public async Task Of_ten_racing_deletes_of_one_job_version_exactly_one_removes_it()
    {
        await Store.SaveJobAsync(new JobRecord("job-race", "export", "{}"), None);
        var read = (await Store.ReadJobAsync("job-race", None))!;

        var deletes = await Task.WhenAll(Enumerable.Range(0, 10).Select(n =>
            Task.Run(() => Store.DeleteJobAsync("job-race", n % 2 == 0 ? read.Version : null, None))));

        Assert.Single(deletes, removed => removed);
        Assert.Null(await Store.ReadJobAsync("job-race", None));
    }

    [SkippableFact]
    public async Task Expunge_removes_every_version_replica_and_index_row_and_nothing_else()
    {
        var (p1, p2, gone, kept) = (NewId(), NewId(), NewId(), NewId());
        await Store.CommitAsync(Batch(Version(Patient(p1, "One"), 1), Version(Patient(p2, "Two"), 1)), None);
        // In p1's compartment and, as performer, in p2's (a replica on Cosmos); a second version gives it history.
        await Store.CommitAsync(Batch(Version(Observation(gone, p1, "1111-1", performerPatient: p2), 1), Version(Observation(kept, p1, "1111-1"), 1)), None);
        await Store.CommitAsync(Batch(Version(Observation(gone, p1, "2222-2", performerPatient: p2), 2)), None);
        var key = new ResourceKey("Observation", gone);

        Assert.Equal(1, await Store.ExpungeAsync([key, new ResourceKey("Observation", NewId())], None));

        Assert.Null(await Store.ReadAsync(key, None));
        Assert.Null(await Store.ReadVersionAsync(key, 1, None));
        Assert.Null(await Store.ReadVersionAsync(key, 2, None));
        Assert.Empty((await Store.HistoryAsync(new HistoryQuery("Observation", gone, null, null, null, 10, null), None)).Entries);
        Assert.Equal([kept], (await Store.HistoryAsync(new HistoryQuery("Observation", null, null, null, null, 10, null), None)).Entries.Select(e => e.Key.Id));
        Assert.Equal([kept], (await Store.SearchAsync(Query("Observation", ("code", "1111-1")), None)).Entries.Select(e => e.Key.Id));
        Assert.Empty((await Store.SearchAsync(Query("Observation", ("code", "2222-2")), None)).Entries);
        Assert.Empty((await Store.SearchAsync(Query("Observation", ("performer", $"Patient/{p2}")), None)).Entries);
        Assert.NotNull(await Store.ReadAsync(new ResourceKey("Patient", p2), None));
        // Nothing of the old resource is left: its id starts again at version 1.
        await Store.CommitAsync(Batch(Version(Observation(gone, p1, "3333-3"), 1)), None);
        Assert.Equal(1, (await Store.ReadAsync(key, None))!.VersionId);
        Assert.Equal(0, await Store.ExpungeAsync([new ResourceKey("Observation", NewId())], None));
    }
}
