using FhirPortal.Search;
using Hl7.Fhir.Model;
using static FhirPortal.Storage.Tests.Contract.TestResources;

namespace FhirPortal.Storage.Tests.Contract;

/// <summary>The searches every store must answer identically (each test on a fresh, empty store).</summary>
public abstract class SearchContract : StoreContract
{
    private async Task<List<string>> IdsAsync(SearchQuery query) =>
        (await Store!.SearchAsync(query, None)).Entries.Select(e => e.Key.Id).Order().ToList();

    [SkippableFact]
    public async Task Token_string_and_date_conditions_select_matching_patients()
    {
        var (a, b) = (NewId(), NewId());
        var older = Patient(b, "Ståhl", "id-b");
        older.BirthDate = "1950-01-02";
        await Store.CommitAsync(Batch(Version(Patient(a, "Chalmers", "id-a"), 1), Version(older, 1)), None);
        Assert.Equal([a], await IdsAsync(Query("Patient", ("identifier", "urn:test|id-a"))));
        Assert.Equal([b], await IdsAsync(Query("Patient", ("identifier", "id-b"))));
        Assert.Empty(await IdsAsync(Query("Patient", ("identifier", "other|id-b"))));
        Assert.Equal([a], await IdsAsync(Query("Patient", ("family", "chal"))));
        Assert.Equal([b], await IdsAsync(Query("Patient", ("family", "stahl"))));
        Assert.Equal([b], await IdsAsync(Query("Patient", ("family:exact", "Ståhl"))));
        Assert.Equal([a], await IdsAsync(Query("Patient", ("family:contains", "alme"))));
        Assert.Equal([b], await IdsAsync(Query("Patient", ("birthdate", "lt1960"))));
        Assert.Equal([a], await IdsAsync(Query("Patient", ("birthdate", "1980-05"))));
        Assert.Equal(new[] { a, b }.Order(), await IdsAsync(Query("Patient", ("birthdate", "ge1900"), ("_id", $"{a},{b}"))));
    }

    [SkippableFact]
    public async Task Reference_and_compartment_conditions_find_a_patients_observations()
    {
        var (p1, p2, o1, o2, o3) = (NewId(), NewId(), NewId(), NewId(), NewId());
        await Store.CommitAsync(Batch(
            Version(Patient(p1, "One"), 1), Version(Patient(p2, "Two"), 1),
            Version(Observation(o1, p1, "1111-1"), 1), Version(Observation(o2, p2, "1111-1"), 1),
            Version(Observation(o3, p2, "2222-2", performerPatient: p1), 1)), None);
        Assert.Equal([o1], await IdsAsync(Query("Observation", ("subject", "Patient/" + p1))));
        Assert.Equal(new[] { o2, o3 }.Order(), await IdsAsync(Query("Observation", ("patient", p2))));
        Assert.Equal([o2], await IdsAsync(Query("Observation", ("patient", p2), ("code", "http://loinc.org|1111-1"))));
        // o3 lies in both patients' compartments (subject p2, performer p1).
        var compartment = new CompartmentCondition("Patient", p1);
        Assert.Equal(new[] { o1, o3 }.Order(), await IdsAsync(new SearchQuery("Observation", [compartment], 20)));
        Assert.Equal([o2], await IdsAsync(Query("Observation", ("code:not", "2222-2"), ("subject", "Patient/" + p2))));
    }

    [SkippableFact]
    public async Task Resource_moved_to_another_patient_is_found_under_the_new_one_only()
    {
        var (p1, p2, o) = (NewId(), NewId(), NewId());
        await Store.CommitAsync(Batch(Version(Patient(p1, "One"), 1), Version(Patient(p2, "Two"), 1), Version(Observation(o, p1, "1111-1"), 1)), None);
        await Store.CommitAsync(Batch(Version(Observation(o, p2, "1111-1"), 2)), None);
        Assert.Empty(await IdsAsync(new SearchQuery("Observation", [new CompartmentCondition("Patient", p1)], 20)));
        Assert.Equal([o], await IdsAsync(new SearchQuery("Observation", [new CompartmentCondition("Patient", p2)], 20)));
        Assert.Equal(2, (await Store.ReadAsync(new ResourceKey("Observation", o), None))!.VersionId);
        await Store.CommitAsync(Batch(Tombstone(new ResourceKey("Observation", o), 3)), None);
        Assert.Empty(await IdsAsync(Query("Observation", ("code", "1111-1"))));
    }

    [SkippableFact]
    public async Task Sort_by_lastUpdated_pages_through_every_match_once_with_total()
    {
        var ids = Enumerable.Range(0, 7).Select(_ => NewId()).ToList();
        foreach (var id in ids) await Store.CommitAsync(Batch(Version(Patient(id, "Paged"), 1)), None);
        await Store.CommitAsync(Batch(Version(Patient(NewId(), "Other"), 1)), None);
        var query = Query("Patient", ("family", "paged"), ("_sort", "-_lastUpdated"), ("_count", "3"), ("_total", "accurate"));
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Store.SearchAsync(query with { Cursor = cursor }, None);
            Assert.Equal(7, page.Total);
            Assert.True(page.Entries.Count <= 3);
            seen.AddRange(page.Entries.Select(e => e.Key.Id));
            cursor = page.NextCursor;
        } while (cursor is not null);
        Assert.Equal(Enumerable.Reverse(ids), seen);
    }

    [SkippableFact]
    public async Task A_total_if_known_is_exact_and_always_comes_with_a_page_that_holds_every_match()
    {
        // A store may also know the total of a longer search cheaply (SQLite counts up to 1,000 matches); if it
        // gives one, it is exact.
        foreach (var id in Enumerable.Range(0, 3).Select(_ => NewId())) await Store.CommitAsync(Batch(Version(Patient(id, "Known"), 1)), None);
        await Store.CommitAsync(Batch(Version(Patient(NewId(), "Other"), 1)), None);
        var query = Query("Patient", ("family", "known")) with { Total = TotalMode.IfKnown };

        Assert.Equal(3, (await Store.SearchAsync(query, None)).Total);
        var first = await Store.SearchAsync(query with { Count = 2 }, None);
        Assert.True(first.Total is null or 3, $"total {first.Total}");
        var second = await Store.SearchAsync(query with { Count = 2, Cursor = first.NextCursor }, None);
        Assert.Single(second.Entries);
        Assert.True(second.Total is null or 3, $"total {second.Total}");
        Assert.Null((await Store.SearchAsync(query with { Total = TotalMode.None }, None)).Total);
        Assert.Equal(3, (await Store.SearchAsync(query with { Count = 2, Total = TotalMode.Estimate }, None)).Total);
        Assert.Equal(0, (await Store.SearchAsync(Query("Patient", ("family", "nobody")) with { Total = TotalMode.IfKnown }, None)).Total);
    }

    [SkippableFact]
    public async Task Missing_and_uri_conditions_test_presence_and_prefixes()
    {
        var (a, b) = (NewId(), NewId());
        var withoutBirth = Patient(b, "NoBirth");
        withoutBirth.BirthDate = null;
        var vs = new ValueSet { Id = NewId(), Url = "http://example.org/fhir/ValueSet/colors", Status = PublicationStatus.Active };
        await Store.CommitAsync(Batch(Version(Patient(a, "Born"), 1), Version(withoutBirth, 1), Version(vs, 1)), None);
        Assert.Equal([b], await IdsAsync(Query("Patient", ("birthdate:missing", "true"), ("_id", $"{a},{b}"))));
        Assert.Equal([a], await IdsAsync(Query("Patient", ("birthdate:missing", "false"), ("_id", $"{a},{b}"))));
        Assert.Equal([vs.Id], await IdsAsync(Query("ValueSet", ("url", "http://example.org/fhir/ValueSet/colors"))));
        Assert.Equal([vs.Id], await IdsAsync(Query("ValueSet", ("url:below", "http://example.org/fhir/"))));
        Assert.Empty(await IdsAsync(Query("ValueSet", ("url", "http://example.org/fhir/ValueSet"))));
    }

    [SkippableFact]
    public async Task Reindex_replaces_the_index_of_current_resources_batch_by_batch()
    {
        var ids = Enumerable.Range(0, 3).Select(_ => NewId()).ToList();
        foreach (var id in ids) await Store.CommitAsync(Batch(Version(Patient(id, "Before"), 1)), None);
        await Store.CommitAsync(Batch(Version(Observation(NewId(), ids[0], "1111-1"), 1)), None);
        ResourceIndex Reindexed(StoredResource resource)
        {
            var index = new ResourceIndex();
            index.Tokens.Add(new TokenIndexValue("identifier", "urn:reindexed", resource.Key.Id));
            return index;
        }
        var done = 0;
        string? cursor = null;
        do
        {
            var progress = await Store.ReindexAsync(new ReindexBatch("Patient", null, cursor, 2), Reindexed, None);
            done += progress.Processed;
            cursor = progress.NextCursor;
        } while (cursor is not null);
        Assert.Equal(3, done);
        Assert.Equal([ids[1]], await IdsAsync(Query("Patient", ("identifier", "urn:reindexed|" + ids[1]))));
        Assert.Empty(await IdsAsync(Query("Patient", ("family", "before"))));
        Assert.Equal(1, (await Store.ReadAsync(new ResourceKey("Patient", ids[1]), None))!.VersionId);
        Assert.Single(await IdsAsync(Query("Observation", ("code", "1111-1"))));
    }
}
