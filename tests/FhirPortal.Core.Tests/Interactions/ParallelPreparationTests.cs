using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Interactions;

/// <summary>
/// Bundle entries are validated, indexed and serialised in parallel ahead of the plan (PreparedVersions); what the
/// client sees stays what the sequential path gives: the first failing entry in processing order, per-entry batch
/// failures, the same expressions.
/// </summary>
public sealed class ParallelPreparationTests : IDisposable
{
    // pat-1: a contact needs details or an organization; checked because the resource claims the core profile.
    private const string Invalid = """{"resourceType":"Patient","meta":{"profile":["http://hl7.org/fhir/StructureDefinition/Patient"]},"contact":[{"gender":"male"}]}""";
    private const string InvalidExpression = "resource.Patient.contact[0]";
    private readonly CoreServices _core = new();

    public void Dispose() => _core.Dispose();

    private static string Valid(int i) =>
        $$$"""{"resourceType":"Observation","meta":{"profile":["http://hl7.org/fhir/StructureDefinition/Observation"]},"status":"final","code":{"text":"o{{{i}}}"}}""";

    private static string Post(string resource, string extra = "") => $$$"""{"resource":{{{resource}}},"request":{"method":"POST","url":"{{{Type(resource)}}}"{{{extra}}}}}""";

    private static string Put(string resource, string id, string extra = "") =>
        $$$"""{"resource":{{{resource.Replace("{\"resourceType\":\"Patient\",", $"{{\"resourceType\":\"Patient\",\"id\":\"{id}\",")}}},"request":{"method":"PUT","url":"Patient/{{{id}}}"{{{extra}}}}}""";

    private static string Type(string resource) => resource.Contains("\"Patient\"") ? "Patient" : "Observation";

    /// <summary>Twenty valid entries around the given ones, so several are prepared at once.</summary>
    private static Bundle Bundle(string type, params string[] entries) => CoreServices.Parse<Bundle>(
        $$"""{"resourceType":"Bundle","type":"{{type}}","entry":[{{string.Join(",", entries.Concat(Enumerable.Range(0, 20).Select(i => Post(Valid(i)))))}}]}""");

    public static TheoryData<string, string[], int, int> FirstFailures => new()
    {
        // A PUT runs after every POST: the invalid POST (entry 1) is reported, not the invalid PUT before it in the Bundle.
        { "invalid PUT before invalid POST", [Put(Invalid, "a"), Post(Invalid)], 422, 1 },
        // DELETE runs first: its failed precondition wins over an invalid POST earlier in the Bundle.
        { "invalid POST before failing DELETE", [Post(Invalid), """{"request":{"method":"DELETE","url":"Patient/known","ifMatch":"W/\"9\""}}"""], 412, 1 },
        // Within one entry the precondition is checked before validation, as on the sequential path.
        { "ambiguous If-None-Exist on an invalid POST", [Post(Invalid, ""","ifNoneExist":"name=Same" """)], 412, 0 },
        { "invalid POST after valid ones", [Post(Valid(99)), Post(Valid(98)), Post(Invalid)], 422, 2 },
    };

    [Theory]
    [MemberData(nameof(FirstFailures))]
    public async Task A_transaction_reports_the_first_failing_entry_in_processing_order(string _, string[] entries, int status, int entry)
    {
        await _core.SeedAsync(CoreServices.Patient("known", "Same"));
        await _core.SeedAsync(CoreServices.Patient("twin", "Same"));

        var error = await Assert.ThrowsAsync<FhirOutcomeException>(() =>
            _core.Transaction.ExecuteAsync(CoreServices.BaseUrl, Bundle("transaction", entries), ReturnPreference.Minimal, default));

        Assert.Equal(status, error.Status);
        var issue = error.Outcome.Issue.First(i => i.Severity == OperationOutcome.IssueSeverity.Error);
        Assert.StartsWith($"Entry {entry}: ", issue.Diagnostics);
        Assert.StartsWith($"Bundle.entry[{entry}]", issue.Expression.Single());
        if (status == 422) Assert.Equal($"Bundle.entry[{entry}].{InvalidExpression}", issue.Expression.Single());
        Assert.Empty(await _core.FindAsync("Observation"));
    }

    private const string BornPatientUrl = "http://example.org/StructureDefinition/born-patient";

    private const string BornPatient = $$$"""
        {"resourceType":"StructureDefinition","id":"born-patient","url":"{{{BornPatientUrl}}}","name":"BornPatient",
         "status":"active","kind":"resource","abstract":false,"type":"Patient","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient",
         "derivation":"constraint","differential":{"element":[{"id":"Patient.birthDate","path":"Patient.birthDate","min":1}]}}
        """;

    private const string BornDate = ""","birthDate":"1980-01-01" """;

    private static string ClaimingBornPatient(string extra = "") =>
        $$$"""{"resourceType":"Patient","meta":{"profile":["{{{BornPatientUrl}}}"]},"name":[{"family":"Claim"}]{{{extra}}}}""";

    private static string PostAs(string type, string resource) => $$$"""{"resource":{{{resource}}},"request":{"method":"POST","url":"{{{type}}}"}}""";

    private static bool Names(OperationOutcome.IssueComponent issue, string text) => issue.Diagnostics?.Contains(text) == true;

    [Fact]
    public async Task A_batch_entry_is_validated_against_a_profile_an_earlier_entry_created()
    {
        // Entries 1 and 2 are checked ahead while the profile is still unknown (a warning only); at their turn it exists.
        var result = await _core.Batch.ExecuteAsync(CoreServices.BaseUrl, Bundle("batch",
            PostAs("StructureDefinition", BornPatient), PostAs("Patient", ClaimingBornPatient()),
            PostAs("Patient", ClaimingBornPatient(BornDate))), ReturnPreference.OperationOutcome, default);

        Assert.Equal(["201 Created", "422 Unprocessable Entity", "201 Created"], result.Entries.Take(3).Select(e => e.Response!.Status));
        var error = result.Entries[1].Response!.Outcome!.Issue.First(i => i.Severity == OperationOutcome.IssueSeverity.Error);
        Assert.Equal("Bundle.entry[1].resource.Patient.birthDate", error.Expression.Single());
        Assert.DoesNotContain(result.Entries[2].Response!.Outcome?.Issue ?? [], i => Names(i, BornPatientUrl));
        Assert.Single(await _core.FindAsync("Patient"));
    }

    [Fact]
    public async Task A_batch_entry_is_indexed_by_a_search_parameter_an_earlier_entry_created()
    {
        const string Nickname = """
            {"resourceType":"SearchParameter","id":"nickname","url":"http://example.org/SearchParameter/nickname","name":"nickname",
             "status":"active","description":"Given names","code":"nickname","base":["Patient"],"type":"string","expression":"Patient.name.given"}
            """;
        var result = await _core.Batch.ExecuteAsync(CoreServices.BaseUrl, Bundle("batch",
            PostAs("SearchParameter", Nickname), PostAs("Patient", """{"resourceType":"Patient","name":[{"given":["Ada"]}]}""")),
            ReturnPreference.Minimal, default);

        Assert.Equal(["201 Created", "201 Created"], result.Entries.Take(2).Select(e => e.Response!.Status));
        Assert.Single(await _core.FindAsync("Patient", ("nickname", "Ada")));
    }

    [Fact]
    public async Task A_profile_created_in_a_transaction_applies_only_after_its_commit()
    {
        // Every entry is checked against the conformance resources as they were before the transaction, as on the sequential path.
        var result = await _core.Transaction.ExecuteAsync(CoreServices.BaseUrl, Bundle("transaction",
            PostAs("StructureDefinition", BornPatient), PostAs("Patient", ClaimingBornPatient())), ReturnPreference.OperationOutcome, default);

        Assert.Equal("201 Created", result.Entries[1].Response!.Status);
        Assert.Contains(result.Entries[1].Response!.Outcome!.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning && Names(i, BornPatientUrl));
        var error = await Assert.ThrowsAsync<FhirOutcomeException>(() =>
            _core.Create.CreateAsync("Patient", CoreServices.Parse<Patient>(ClaimingBornPatient()), null, default));
        Assert.Equal(422, error.Status);
    }

    [Fact]
    public async Task A_batch_reports_each_invalid_entry_on_its_own_and_stores_the_rest()
    {
        var result = await _core.Batch.ExecuteAsync(CoreServices.BaseUrl,
            Bundle("batch", Post(Invalid), Put(Invalid, "a"), Post(Valid(99)), Post(Invalid)), ReturnPreference.Minimal, default);

        var statuses = result.Entries.Select(e => e.Response!.Status).ToList();
        Assert.Equal(["422 Unprocessable Entity", "422 Unprocessable Entity", "201 Created", "422 Unprocessable Entity"], statuses.Take(4));
        Assert.All(statuses.Skip(4), s => Assert.Equal("201 Created", s));
        foreach (var i in new[] { 0, 1, 3 })
            Assert.Equal($"Bundle.entry[{i}].{InvalidExpression}",
                result.Entries[i].Response!.Outcome!.Issue.First(x => x.Severity == OperationOutcome.IssueSeverity.Error).Expression.Single());
        Assert.Equal(21, (await _core.FindAsync("Observation", ("_count", "100"))).Count);
        Assert.Empty(await _core.FindAsync("Patient"));
    }

    [Fact]
    public async Task A_transaction_stores_the_prepared_versions_with_the_ids_versions_and_references_the_plan_decided()
    {
        await _core.SeedAsync(CoreServices.Patient("known", "Before"));
        const string NewPatient = "urn:uuid:0d3c1b7e-5b9a-4f2e-8c61-2b8e7f4a9d10";
        var posts = Enumerable.Range(0, 10).Select(i =>
            $$$"""{"resource":{"resourceType":"Observation","status":"final","code":{"text":"o{{{i}}}"},"subject":{"reference":"{{{NewPatient}}}"}},"request":{"method":"POST","url":"Observation"}}""");
        var bundle = CoreServices.Parse<Bundle>($$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{"resourceType":"Patient","id":"known","name":[{"family":"After"}]},"request":{"method":"PUT","url":"Patient/known"}},
              {"fullUrl":"{{{NewPatient}}}","resource":{"resourceType":"Patient","name":[{"family":"New"}]},"request":{"method":"POST","url":"Patient"}},
              {{{string.Join(",", posts)}}}
            ]}
            """);

        var result = await _core.Transaction.ExecuteAsync(CoreServices.BaseUrl, bundle, ReturnPreference.Minimal, default);

        Assert.Equal("W/\"2\"", result.Entries[0].Response!.Etag);
        var created = result.Entries[1].Response!.Location!.Split('/')[1];
        var observations = await _core.FindAsync("Observation", ("subject", $"Patient/{created}"));
        Assert.Equal(10, observations.Count);
        Assert.All(observations, o =>
        {
            var stored = CoreServices.Content<Observation>(o);
            Assert.Equal(o.Key.Id, stored.Id);
            Assert.Equal("1", stored.Meta!.VersionId);
            Assert.Equal(o.LastUpdated, stored.Meta.LastUpdated);
        });
        Assert.Equal("After", CoreServices.Content<Patient>((await _core.Read.ReadAsync(new ResourceKey("Patient", "known"), default))).Name[0].Family);
    }

    [Fact]
    public async Task A_prepared_version_is_used_only_for_the_id_version_and_time_it_was_built_for()
    {
        var versions = _core.Get<VersionFactory>();
        var prepared = new PreparedVersions(versions);
        var (a, b) = (CoreServices.Patient(), CoreServices.Patient(family: "Other"));
        var now = DateTimeOffset.UtcNow;
        await prepared.PrepareAsync([new(a, "a", false), new(b, "b", false)], _core.Store, now, default);

        var first = prepared.Version(a, "a", 1, WriteMethod.Create, now, out _);
        Assert.Same(first, prepared.Version(a, "a", 1, WriteMethod.Create, now, out _));
        var other = prepared.Version(a, "a", 2, WriteMethod.Update, now, out _);
        Assert.NotSame(first, other);
        Assert.Equal("2", CoreServices.Content<Patient>(other.Version).Meta!.VersionId);
        Assert.NotSame(prepared.Version(b, "b", 1, WriteMethod.Create, now.AddSeconds(1), out _), prepared.Version(b, "b", 1, WriteMethod.Create, now, out _));
    }

    [Theory]
    [InlineData("profile")]
    [InlineData("search parameter")]
    public async Task A_prepared_version_is_not_used_after_a_conformance_change(string change)
    {
        var prepared = new PreparedVersions(_core.Get<VersionFactory>());
        var (a, b) = (CoreServices.Parse<Patient>(ClaimingBornPatient()), CoreServices.Patient(family: "Other"));
        var now = DateTimeOffset.UtcNow;
        await prepared.PrepareAsync([new(a, "a", false), new(b, "b", false)], _core.Store, now, default);
        var before = prepared.Version(b, "b", 1, WriteMethod.Create, now, out _);

        if (change == "profile") _core.Get<FhirPortal.Core.Validation.ConformanceResources>().Set(CoreServices.Parse<StructureDefinition>(BornPatient));
        else _core.Get<FhirPortal.Search.SearchParameterRegistry>().SetCustom("test", []);

        Assert.NotSame(before, prepared.Version(b, "b", 1, WriteMethod.Create, now, out _));
        if (change == "profile")
            Assert.Equal(422, Assert.Throws<FhirOutcomeException>(() => prepared.Version(a, "a", 1, WriteMethod.Create, now, out _)).Status);
    }

    [Fact]
    public async Task A_resource_that_failed_preparation_fails_again_when_staged()
    {
        var prepared = new PreparedVersions(_core.Get<VersionFactory>());
        var (invalid, valid) = (CoreServices.Parse<Patient>(Invalid), CoreServices.Patient());
        await prepared.PrepareAsync([new(invalid, "x", false), new(valid, "y", false)], _core.Store, DateTimeOffset.UtcNow, default);

        var error = Assert.Throws<FhirOutcomeException>(() => prepared.Version(invalid, "x", 1, WriteMethod.Create, DateTimeOffset.UtcNow, out _));

        Assert.Equal(422, error.Status);
        Assert.Equal("Patient.contact[0]", error.Outcome.Issue.First(i => i.Severity == OperationOutcome.IssueSeverity.Error).Expression.Single());
    }
}
