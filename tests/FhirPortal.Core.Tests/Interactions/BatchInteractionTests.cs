using FhirPortal.Core.Interactions;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Interactions;

/// <summary>batch (BatchInteraction): every entry succeeds or fails on its own, each in its own atomic step.</summary>
public sealed class BatchInteractionTests : IDisposable
{
    private readonly CoreServices _core = new();

    public void Dispose() => _core.Dispose();

    private Task<BundleResult> RunAsync(string json) =>
        _core.Batch.ExecuteAsync(CoreServices.BaseUrl, CoreServices.Parse<Bundle>(json), ReturnPreference.Minimal, default);

    [Fact]
    public async Task Failed_entries_do_not_stop_or_undo_the_others()
    {
        await _core.SeedAsync(CoreServices.Patient("p0"));

        var result = await RunAsync("""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"resource":{"resourceType":"Patient","id":"b1","name":[{"family":"Ok"}]},"request":{"method":"PUT","url":"Patient/b1"}},
              {"resource":{"resourceType":"Patient","id":"other","name":[{"family":"Bad"}]},"request":{"method":"PUT","url":"Patient/b2"}},
              {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:1f6a4e55-4a3c-4d7e-9c40-0b7a8a1f0c11"}},"request":{"method":"POST","url":"Observation"}},
              {"request":{"method":"DELETE","url":"Patient/p0","ifMatch":"W/\"9\""}},
              {"resource":{"resourceType":"Patient","name":[{"family":"Posted"}]},"request":{"method":"POST","url":"Patient"}},
              {"request":{"method":"GET","url":"Patient/b1"}}
            ]}
            """);

        Assert.Equal(Bundle.BundleType.BatchResponse, result.Type);
        Assert.Equal(["201 Created", "400 Bad Request", "400 Bad Request", "412 Precondition Failed", "201 Created", "200 OK"],
            result.Entries.Select(e => e.Response!.Status));
        Assert.Equal(["Lovelace", "Ok", "Posted"], (await _core.FindAsync("Patient")).Select(p => CoreServices.Content<Patient>(p).Name[0].Family).Order());
        Assert.Null(await _core.Store.ReadAsync(new ResourceKey("Patient", "b2"), default));
        Assert.Empty(await _core.FindAsync("Observation"));
        Assert.Equal(1, (await _core.Read.ReadAsync(new ResourceKey("Patient", "p0"), default)).VersionId);
    }

    [Fact]
    public async Task An_entry_that_loses_a_race_is_planned_again_on_its_own()
    {
        await _core.SeedAsync(CoreServices.Patient("p0", "Seeded"));
        _core.Store.BeforeNextCommit(() => _core.SeedAsync(CoreServices.Patient("p0", "Other")));

        var result = await RunAsync("""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"resource":{"resourceType":"Patient","id":"p0","name":[{"family":"Ours"}]},"request":{"method":"PUT","url":"Patient/p0"}},
              {"resource":{"resourceType":"Patient","id":"p1","name":[{"family":"Ok"}]},"request":{"method":"PUT","url":"Patient/p1","ifMatch":"W/\"1\""}}
            ]}
            """);

        Assert.Equal(["200 OK", "412 Precondition Failed"], result.Entries.Select(e => e.Response!.Status));
        Assert.Equal("W/\"3\"", result.Entries[0].Response!.Etag);
        Assert.Equal(["Ours", "Other", "Seeded"], (await _core.VersionsAsync(new ResourceKey("Patient", "p0"))).Select(v => CoreServices.Content<Patient>(v).Name[0].Family));
    }

    [Fact]
    public async Task A_conditional_reference_is_resolved_in_the_stored_resource_and_left_as_given_in_the_callers_bundle()
    {
        await _core.SeedAsync(CoreServices.Patient("known", mrn: "m1"));
        var bundle = CoreServices.Parse<Bundle>("""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient?identifier=urn:mrn|m1"}},"request":{"method":"POST","url":"Observation"}}
            ]}
            """);

        var result = await _core.Batch.ExecuteAsync(CoreServices.BaseUrl, bundle, ReturnPreference.Minimal, default);

        Assert.Equal("201 Created", result.Entries[0].Response!.Status);
        Assert.Equal("Patient/known", CoreServices.Content<Observation>(Assert.Single(await _core.FindAsync("Observation"))).Subject?.Reference);
        Assert.Equal("Patient?identifier=urn:mrn|m1", ((Observation)bundle.Entry[0].Resource!).Subject?.Reference);
    }
}
