using FhirPortal.Core.Operations;
using FhirPortal.Search;
using Hl7.Fhir.Model;
using static FhirPortal.Storage.Tests.Contract.TestResources;

namespace FhirPortal.Storage.Tests.Contract;

/// <summary>
/// Searches across references that every store must answer identically: chains, _has, the compartment-reference
/// condition of $everything/$export, _include/_revinclude. Each test on a fresh, empty store.
/// </summary>
public abstract class SearchGraphContract : StoreUnderTest
{
    /// <summary>A store that splits long id lists into several queries does so here every few ids (to test the merging).</summary>
    protected virtual IDisposable? SmallIdChunks() => null;

    private async Task<List<string>> IdsAsync(SearchQuery query) =>
        (await AllPagesAsync(query)).Select(e => $"{e.Key.Type}/{e.Key.Id}").Order(StringComparer.Ordinal).ToList();

    /// <summary>Every page's entries; the ids must not repeat across pages.</summary>
    private async Task<List<StoredResource>> AllPagesAsync(SearchQuery query)
    {
        var all = new List<StoredResource>();
        string? cursor = null;
        do
        {
            var page = await Store!.SearchAsync(query with { Cursor = cursor }, None);
            all.AddRange(page.Entries);
            cursor = page.NextCursor;
        } while (cursor is not null);
        Assert.Equal(all.Count, all.Select(e => e.Key).Distinct().Count());
        return all;
    }

    private static List<string> Keys(params Resource[] resources) =>
        resources.Select(r => $"{r.TypeName}/{r.Id}").Order(StringComparer.Ordinal).ToList();

    private static Organization Organization(string name) => new() { Id = NewId(), Name = name };

    private static Patient PatientOf(string family, Organization? organization = null)
    {
        var patient = Patient(NewId(), family);
        if (organization is not null) patient.ManagingOrganization = new ResourceReference($"Organization/{organization.Id}");
        return patient;
    }

    private static Encounter EncounterOf(Patient patient, Practitioner? practitioner = null) => new()
    {
        Id = NewId(),
        Status = Encounter.EncounterStatus.Finished,
        Class = new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB"),
        Subject = new ResourceReference($"Patient/{patient.Id}"),
        Participant = practitioner is null ? [] : [new Encounter.ParticipantComponent { Individual = new ResourceReference($"Practitioner/{practitioner.Id}") }],
    };

    private Task CommitAsync(params Resource[] resources) =>
        Store!.CommitAsync(new WriteBatch(resources.Select(r => Version(r, 1)).ToList(), []), None);

    [SkippableFact]
    public async Task Chains_of_any_depth_select_by_the_referenced_resources()
    {
        var (acme, other) = (Organization("Acme Health"), Organization("Other Clinic"));
        var (one, two) = (PatientOf("Chainley", acme), PatientOf("Linkwood", other));
        var (o1, o2) = (Observation(NewId(), one.Id!, "1111-1"), Observation(NewId(), two.Id!, "1111-1"));
        await CommitAsync(acme, other, one, two, o1, o2);
        Assert.Equal(Keys(o1), await IdsAsync(Query("Observation", ("subject:Patient.name", "chainley"))));
        Assert.Equal(Keys(o2), await IdsAsync(Query("Observation", ("patient.family", "linkwood"))));
        Assert.Equal(Keys(o1), await IdsAsync(Query("Observation", ("subject:Patient.organization.name", "acme"))));
        Assert.Equal(Keys(o1, o2), await IdsAsync(Query("Observation", ("subject:Patient.organization.name", "acme,other"))));
        Assert.Empty(await IdsAsync(Query("Observation", ("subject:Patient.organization.name", "nowhere"))));
        Assert.Equal(Keys(o2), await IdsAsync(Query("Observation", ("subject:Patient.name", "linkwood"), ("code", "1111-1"))));

        // A deleted resource satisfies no chain.
        await Store.CommitAsync(Batch(Tombstone(new ResourceKey("Patient", two.Id!), 2)), None);
        Assert.Empty(await IdsAsync(Query("Observation", ("subject:Patient.name", "linkwood"))));
    }

    [SkippableFact]
    public async Task Has_selects_resources_referenced_by_matching_ones_also_nested()
    {
        var (acme, other) = (Organization("Acme"), Organization("Other"));
        var (one, two, three) = (PatientOf("One", acme), PatientOf("Two", other), PatientOf("Three", other));
        await CommitAsync(acme, other, one, two, three,
            Observation(NewId(), one.Id!, "1111-1"), Observation(NewId(), two.Id!, "2222-2"), Observation(NewId(), two.Id!, "1111-1"));
        Assert.Equal(Keys(one, two), await IdsAsync(Query("Patient", ("_has:Observation:patient:code", "1111-1"))));
        Assert.Equal(Keys(two), await IdsAsync(Query("Patient", ("_has:Observation:subject:code", "2222-2"))));
        Assert.Equal(Keys(two), await IdsAsync(Query("Patient", ("_has:Observation:patient:code", "1111-1"), ("_has:Observation:patient:code", "2222-2"))));
        Assert.Empty(await IdsAsync(Query("Patient", ("_has:Observation:patient:code", "9999-9"))));
        Assert.Equal(Keys(other), await IdsAsync(Query("Organization", ("_has:Patient:organization:_has:Observation:patient:code", "2222-2"))));
        Assert.Equal(Keys(acme, other), await IdsAsync(Query("Organization", ("_has:Patient:organization:_has:Observation:patient:code", "1111-1"))));
    }

    [SkippableFact]
    public async Task Patient_record_holds_its_compartment_and_what_it_references_outside_any_compartment()
    {
        var acme = Organization("Acme");
        var unused = Organization("Unused");
        var doctor = new Practitioner { Id = NewId(), Name = [new HumanName { Family = "Doctor" }] };
        var (one, two) = (PatientOf("One", acme), PatientOf("Two"));
        var visit = EncounterOf(one, doctor);
        var observation = Observation(NewId(), one.Id!, "1111-1");
        observation.Encounter = new ResourceReference($"Encounter/{visit.Id}");
        // Two's observation points at One's encounter: the encounter is in One's compartment, so not part of Two's record.
        var crossing = Observation(NewId(), two.Id!, "2222-2");
        crossing.Encounter = new ResourceReference($"Encounter/{visit.Id}");
        await CommitAsync(acme, unused, doctor, one, two, visit, observation, crossing);

        var record = new SearchQuery(null, [PatientDataQuery.Records([one.Id!])], 2);
        Assert.Equal(Keys(acme, doctor, one, visit, observation), await IdsAsync(record));
        Assert.Equal(Keys(acme, doctor), await IdsAsync(new SearchQuery(null, [PatientDataQuery.Records([one.Id!], RecordPart.Referenced)], 5)));
        Assert.Equal(Keys(two, crossing), await IdsAsync(new SearchQuery(null, [PatientDataQuery.Records([two.Id!])], 5)));
        Assert.Equal(Keys(doctor), await IdsAsync(new SearchQuery("Practitioner", [PatientDataQuery.Records(null)], 5)));
        Assert.Equal(Keys(acme, doctor), await IdsAsync(new SearchQuery(null, [PatientDataQuery.Records(null, RecordPart.Referenced)], 5)));
        var total = await Store.SearchAsync(new SearchQuery(null, [PatientDataQuery.Records([one.Id!, two.Id!])], 3) { Total = TotalMode.Accurate }, None);
        Assert.Equal(7, total.Total);
    }

    [SkippableFact]
    public async Task Compartment_owner_condition_selects_the_records_of_the_patients_it_picks()
    {
        var (acme, other) = (Organization("Acme"), Organization("Other"));
        var (one, two) = (PatientOf("One", acme), PatientOf("Two", other));
        var (o1, o2, visit) = (Observation(NewId(), one.Id!, "1111-1"), Observation(NewId(), two.Id!, "1111-1"), EncounterOf(one));
        await CommitAsync(acme, other, one, two, o1, o2, visit);
        var managedByAcme = new CompartmentOwnerCondition("Patient", Query("Patient", ("organization", $"Organization/{acme.Id}")).Conditions[0]);
        Assert.Equal(Keys(one, o1, visit), await IdsAsync(new SearchQuery(null, [managedByAcme], 2)));
        Assert.Equal(Keys(o1), await IdsAsync(new SearchQuery("Observation", [managedByAcme], 5)));
        var nobody = new CompartmentOwnerCondition("Patient", Query("Patient", ("organization", "Organization/none")).Conditions[0]);
        Assert.Empty(await IdsAsync(new SearchQuery(null, [nobody], 5)));
    }

    [SkippableFact]
    public async Task Include_and_revinclude_add_each_referenced_or_referring_resource_once()
    {
        var acme = Organization("Acme");
        var parent = Organization("Parent");
        acme.PartOf = new ResourceReference($"Organization/{parent.Id}");
        var doctor = new Practitioner { Id = NewId() };
        var one = PatientOf("One", acme);
        one.GeneralPractitioner = [new ResourceReference($"Practitioner/{doctor.Id}")];
        var (o1, o2) = (Observation(NewId(), one.Id!, "1111-1"), Observation(NewId(), one.Id!, "2222-2"));
        var visit = EncounterOf(one, doctor);
        await CommitAsync(parent, acme, doctor, one, o1, o2, visit);

        async Task<List<string>> Included(string type, params (string Name, string Value)[] parameters)
        {
            var included = (await Store!.SearchAsync(Query(type, parameters), None)).Included.Select(r => $"{r.Key.Type}/{r.Key.Id}").ToList();
            Assert.Equal(included.Count, included.Distinct().Count());
            return included.Order(StringComparer.Ordinal).ToList();
        }

        Assert.Equal(Keys(one), await Included("Observation", ("code", "1111-1,2222-2"), ("_include", "Observation:subject")));
        Assert.Equal(Keys(one), await Included("Observation", ("_include", "Observation:subject:Patient")));
        Assert.Empty(await Included("Observation", ("_include", "Observation:subject:Group")));
        Assert.Equal(Keys(one, acme), await Included("Observation", ("_include", "Observation:subject"), ("_include:iterate", "Patient:organization")));
        Assert.Equal(Keys(one, acme, parent), await Included("Observation", ("_include", "Observation:subject"),
            ("_include:iterate", "Patient:organization"), ("_include:iterate", "Organization:partof")));
        Assert.Equal(Keys(one, acme, doctor), await Included("Observation", ("_include", "Observation:subject"), ("_include:iterate", "Patient:*")));
        Assert.Equal(Keys(acme, doctor), await Included("Patient", ("_include", "*")));
        Assert.Equal(Keys(o1, o2), await Included("Patient", ("_revinclude", "Observation:subject")));
        Assert.Equal(Keys(o1, o2, visit), await Included("Patient", ("_revinclude", "Observation:subject"), ("_revinclude", "Encounter:*")));
        Assert.Equal(Keys(one, o1, o2), await Included("Organization", ("_id", acme.Id!), ("_revinclude", "Patient:organization"),
            ("_revinclude:iterate", "Observation:patient")));
        // The matches themselves are never included again.
        Assert.Equal(Keys(doctor, one), await Included("Encounter", ("_include", "Encounter:*")));
        Assert.Empty(await Included("Observation", ("_include", "Observation:subject"), ("code", "9999-9")));
    }

    [SkippableFact]
    public async Task Long_intermediate_id_lists_give_the_same_answers_page_by_page()
    {
        var organization = Organization("Many");
        var patients = Enumerable.Range(0, 9).Select(_ => PatientOf("Manyfold", organization)).ToList();
        var observations = patients.Select(p => Observation(NewId(), p.Id!, "3333-3")).ToList();
        await CommitAsync([organization, .. patients, .. observations, PatientOf("Single")]);
        using var chunks = SmallIdChunks();

        var chained = Query("Observation", ("subject:Patient.name", "manyfold"), ("_count", "4"), ("_total", "accurate"));
        Assert.Equal(Keys([.. observations]), await IdsAsync(chained));
        Assert.Equal(9, (await Store.SearchAsync(chained, None)).Total);
        Assert.Equal(Keys([.. patients]), await IdsAsync(Query("Patient", ("_has:Observation:subject:code", "3333-3"), ("_count", "2"))));
        var sorted = await AllPagesAsync(Query("Observation", ("subject:Patient.organization.name", "many"), ("_sort", "-_lastUpdated"), ("_count", "4")));
        Assert.Equal(observations.Select(o => o.Id).Reverse(), sorted.Select(e => e.Key.Id));
        var record = new SearchQuery(null, [PatientDataQuery.Records(patients.Select(p => p.Id!).ToList())], 5);
        Assert.Equal(Keys([organization, .. patients, .. observations]), await IdsAsync(record));
        var included = await Store.SearchAsync(Query("Patient", ("family", "manyfold"), ("_revinclude", "Observation:subject"), ("_count", "20")), None);
        Assert.Equal(Keys([.. observations]), included.Included.Select(r => $"{r.Key.Type}/{r.Key.Id}").Order(StringComparer.Ordinal).ToList());
        var byId = Query("Patient", ("_id", string.Join(",", patients.Select(p => p.Id))), ("_sort", "_id"), ("_count", "4"), ("_total", "accurate"));
        Assert.Equal(patients.Select(p => p.Id).Order(StringComparer.Ordinal), (await AllPagesAsync(byId)).Select(e => e.Key.Id));
        Assert.Equal(9, (await Store.SearchAsync(byId, None)).Total);
    }
}
