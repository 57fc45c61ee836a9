using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Interactions;

/// <summary>create and conditional create (CreateInteraction.CreateAsync) on a real SQLite store.</summary>
public sealed class CreateInteractionTests : IDisposable
{
    private readonly CoreServices _core = new();

    public void Dispose() => _core.Dispose();

    [Fact]
    public async Task Create_assigns_a_new_id_and_stores_version_1()
    {
        var result = await _core.Create.CreateAsync("Patient", CoreServices.Patient(family: "Hopper"), null, default);

        Assert.Equal(201, result.Status);
        var created = result.Resource!;
        Assert.Equal(1, created.VersionId);
        Assert.True(Guid.TryParse(created.Key.Id, out _));
        var read = await _core.Read.ReadAsync(created.Key, default);
        Assert.Equal("Hopper", CoreServices.Content<Patient>(read).Name[0].Family);
        Assert.Equal("1", CoreServices.Content<Patient>(read).Meta?.VersionId);
    }

    [Fact]
    public async Task Create_ignores_a_body_id_and_leaves_the_callers_resource_unchanged()
    {
        var patient = CoreServices.Patient(id: "chosen-by-client");

        var result = await _core.Create.CreateAsync("Patient", patient, null, default);

        Assert.NotEqual("chosen-by-client", result.Resource!.Key.Id);
        // The plan never writes into its input, so a retry after a lost race needs no copy of it.
        Assert.Equal("chosen-by-client", patient.Id);
        Assert.Null(patient.Meta);
    }

    [Theory]
    [InlineData(0, 201)]
    [InlineData(1, 200)]
    [InlineData(2, 412)]
    public async Task Conditional_create_depends_on_how_many_resources_match(int existing, int expectedStatus)
    {
        for (var i = 0; i < existing; i++) await _core.SeedAsync(CoreServices.Patient(id: $"p{i}", mrn: "m1"));

        var call = () => _core.Create.CreateAsync("Patient", CoreServices.Patient(mrn: "m1"), "identifier=urn:mrn|m1", default);

        if (expectedStatus == 412)
        {
            Assert.Equal(412, (await Assert.ThrowsAsync<FhirOutcomeException>(call)).Status);
            return;
        }
        var result = await call();
        Assert.Equal(expectedStatus, result.Status);
        var matches = await _core.FindAsync("Patient", ("identifier", "urn:mrn|m1"));
        Assert.Equal(Math.Max(existing, 1), matches.Count);
        if (existing == 1) Assert.Equal(new ResourceKey("Patient", "p0"), result.Resource!.Key);
        Assert.Equal(1, result.Resource!.VersionId);
    }

    [Theory]
    [InlineData("", 400)]
    [InlineData("unknown-parameter=x", 400)]
    public async Task Conditional_create_with_unusable_criteria_is_refused(string ifNoneExist, int status)
    {
        var error = await Assert.ThrowsAsync<FhirOutcomeException>(() =>
            _core.Create.CreateAsync("Patient", CoreServices.Patient(), ifNoneExist, default));
        Assert.Equal(status, error.Status);
        Assert.Empty(await _core.FindAsync("Patient"));
    }

    [Fact]
    public async Task Create_of_a_body_of_another_type_than_the_url_is_422()
    {
        var error = await Assert.ThrowsAsync<FhirOutcomeException>(() =>
            _core.Create.CreateAsync("Observation", CoreServices.Patient(), null, default));
        Assert.Equal(422, error.Status);
    }

    [Fact]
    public async Task Conditional_create_that_loses_the_race_returns_the_winners_resource()
    {
        StoredResource? winner = null;
        _core.Store.BeforeNextCommit(async () => winner = await _core.SeedAsync(CoreServices.Patient(id: "winner", mrn: "m1")));

        var result = await _core.Create.CreateAsync("Patient", CoreServices.Patient(mrn: "m1"), "identifier=urn:mrn|m1", default);

        Assert.Equal(2, _core.Store.Commits); // the winner's commit, then ours, refused; the retry writes nothing
        Assert.Equal(200, result.Status);
        Assert.Equal(winner!.Key, result.Resource!.Key);
        Assert.Single(await _core.FindAsync("Patient", ("identifier", "urn:mrn|m1")));
    }
}
