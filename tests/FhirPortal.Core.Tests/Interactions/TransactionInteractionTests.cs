using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Interactions;

/// <summary>transaction (TransactionInteraction): all writes commit together or none does; references resolve first.</summary>
public sealed class TransactionInteractionTests : IDisposable
{
    private const string NewPatient = "urn:uuid:7d1f3b0e-1c7a-4a55-9c1e-3c4b1f0a9e21";
    private readonly CoreServices _core = new();

    public void Dispose() => _core.Dispose();

    private Task<BundleResult> RunAsync(Bundle bundle) =>
        _core.Transaction.ExecuteAsync(CoreServices.BaseUrl, bundle, ReturnPreference.Minimal, default);

    /// <summary>A new patient (by fullUrl), an Observation about it performed by the patient with MRN m1, and <paramref name="more"/>.</summary>
    private static Bundle Transaction(string more = "") => CoreServices.Parse<Bundle>($$$"""
        {"resourceType":"Bundle","type":"transaction","entry":[
          {"fullUrl":"{{{NewPatient}}}","resource":{"resourceType":"Patient","name":[{"family":"New"}]},"request":{"method":"POST","url":"Patient"}},
          {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"{{{NewPatient}}}"},
            "performer":[{"reference":"Patient?identifier=urn:mrn|m1"}]},"request":{"method":"POST","url":"Observation"}}
          {{{more}}}
        ]}
        """);

    private static string? Reference(Observation? o) => o?.Subject?.Reference;

    [Fact]
    public async Task A_transaction_stores_every_entry_with_bundle_and_conditional_references_resolved()
    {
        await _core.SeedAsync(CoreServices.Patient("known", mrn: "m1"));

        var result = await RunAsync(Transaction());

        Assert.Equal(Bundle.BundleType.TransactionResponse, result.Type);
        Assert.Equal(["201 Created", "201 Created"], result.Entries.Select(e => e.Response!.Status));
        var observation = CoreServices.Content<Observation>(Assert.Single(await _core.FindAsync("Observation")));
        var created = result.Entries[0].Response!.Location!.Split('/')[1];
        Assert.Equal($"Patient/{created}", Reference(observation));
        Assert.Equal("Patient/known", observation.Performer[0].Reference);
    }

    [Theory]
    [InlineData("""{"resource":{"resourceType":"Patient","id":"other","name":[{"family":"Bad"}]},"request":{"method":"PUT","url":"Patient/p9"}}""", 400)]
    [InlineData("""{"request":{"method":"DELETE","url":"Patient/known","ifMatch":"W/\"7\""}}""", 412)]
    [InlineData("""{"resource":{"resourceType":"Patient","id":"known","name":[{"family":"Twice"}]},"request":{"method":"PUT","url":"Patient/known"}},{"request":{"method":"DELETE","url":"Patient/known"}}""", 400)]
    public async Task One_failing_entry_stores_nothing_at_all(string badEntries, int status)
    {
        await _core.SeedAsync(CoreServices.Patient("known", mrn: "m1"));

        var error = await Assert.ThrowsAsync<FhirOutcomeException>(() => RunAsync(Transaction("," + badEntries)));

        Assert.Equal(status, error.Status);
        Assert.Equal(["known"], (await _core.FindAsync("Patient")).Select(p => p.Key.Id));
        Assert.Empty(await _core.FindAsync("Observation"));
        Assert.Equal(1, (await _core.Read.ReadAsync(new ResourceKey("Patient", "known"), default)).VersionId);
    }

    [Fact]
    public async Task A_transaction_that_loses_a_race_is_planned_again_from_the_bundle_as_it_came_in()
    {
        await _core.SeedAsync(CoreServices.Patient("known", "Known", mrn: "m1"));
        _core.Store.BeforeNextCommit(() => _core.SeedAsync(CoreServices.Patient("known", "Other", mrn: "m1")));
        var bundle = Transaction("""
            ,{"resource":{"resourceType":"Patient","id":"known","name":[{"family":"Ours"}],"identifier":[{"system":"urn:mrn","value":"m1"}]},"request":{"method":"PUT","url":"Patient/known"}}
            """);

        var result = await RunAsync(bundle);

        Assert.Equal(4, _core.Store.Commits); // seed, the other writer, our lost commit, our retry
        Assert.Equal("W/\"3\"", result.Entries[2].Response!.Etag);
        // Ids assigned and references rewritten by the lost attempt do not leak into the retry.
        var created = result.Entries[0].Response!.Location!.Split('/')[1];
        var observation = CoreServices.Content<Observation>(Assert.Single(await _core.FindAsync("Observation")));
        Assert.Equal($"Patient/{created}", Reference(observation));
        Assert.Equal(2, (await _core.FindAsync("Patient")).Count);
        // The caller's Bundle is left as it was given.
        Assert.Equal(NewPatient, Reference(bundle.Entry[1].Resource as Observation));
        Assert.Null(bundle.Entry[0].Resource!.Id);
    }
}
