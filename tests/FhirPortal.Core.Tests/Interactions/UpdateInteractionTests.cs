using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Interactions;

/// <summary>update and conditional update (UpdateInteraction) on a real SQLite store, including lost races.</summary>
public sealed class UpdateInteractionTests : IDisposable
{
    private static readonly ResourceKey P1 = new("Patient", "p1");
    private readonly CoreServices _core = new();

    public void Dispose() => _core.Dispose();

    private Task<InteractionResult> UpdateAsync(string family, string? ifMatch = null) =>
        _core.Update.UpdateAsync(P1, CoreServices.Patient("p1", family), ifMatch, default);

    [Fact]
    public async Task Update_creates_with_the_client_id_then_each_update_is_the_next_version()
    {
        var statuses = new List<(int Status, int Version)>();
        foreach (var family in new[] { "A", "B", "C" })
        {
            var result = await UpdateAsync(family);
            statuses.Add((result.Status, result.Resource!.VersionId));
        }

        Assert.Equal([(201, 1), (200, 2), (200, 3)], statuses);
        Assert.Equal(["C", "B", "A"], (await _core.VersionsAsync(P1)).Select(v => CoreServices.Content<Patient>(v).Name[0].Family));
    }

    [Fact]
    public async Task Update_leaves_the_callers_resource_unchanged()
    {
        var patient = CoreServices.Patient("p1");
        await _core.Update.UpdateAsync(P1, patient, null, default);
        Assert.Null(patient.Meta);
    }

    [Theory]
    [InlineData("W/\"1\"", 200)]
    [InlineData("1", 200)]
    [InlineData("W/\"2\"", 412)]
    [InlineData("W/\"0\"", 412)]
    public async Task If_Match_must_name_the_current_version(string ifMatch, int status)
    {
        await UpdateAsync("A");

        if (status == 412)
        {
            Assert.Equal(412, (await Assert.ThrowsAsync<FhirOutcomeException>(() => UpdateAsync("B", ifMatch))).Status);
            Assert.Single(await _core.VersionsAsync(P1));
            return;
        }
        Assert.Equal(2, (await UpdateAsync("B", ifMatch)).Resource!.VersionId);
    }

    [Fact]
    public async Task If_Match_on_a_resource_that_does_not_exist_is_412()
    {
        Assert.Equal(412, (await Assert.ThrowsAsync<FhirOutcomeException>(() => UpdateAsync("A", "W/\"1\""))).Status);
        Assert.Null(await _core.Store.ReadAsync(P1, default));
    }

    [Theory]
    [InlineData("Patient", "other", 400)]
    [InlineData("Patient", null, 400)]
    [InlineData("Observation", "p1", 422)]
    public async Task A_body_that_disagrees_with_the_url_is_refused(string urlType, string? bodyId, int status)
    {
        var error = await Assert.ThrowsAsync<FhirOutcomeException>(() =>
            _core.Update.UpdateAsync(new ResourceKey(urlType, "p1"), CoreServices.Patient(bodyId), null, default));
        Assert.Equal(status, error.Status);
    }

    [Fact]
    public async Task Two_concurrent_updates_both_succeed_as_successive_versions()
    {
        await UpdateAsync("A");
        InteractionResult? other = null;
        _core.Store.BeforeNextCommit(async () => other = await UpdateAsync("Other"));

        var ours = await UpdateAsync("Ours");

        Assert.Equal(4, _core.Store.Commits); // seed, the other writer, our lost commit, our retry
        Assert.Equal(2, other!.Resource!.VersionId);
        Assert.Equal(3, ours.Resource!.VersionId);
        Assert.Equal(["Ours", "Other", "A"], (await _core.VersionsAsync(P1)).Select(v => CoreServices.Content<Patient>(v).Name[0].Family));
    }

    [Fact]
    public async Task An_If_Match_update_that_loses_the_race_is_412_and_the_winner_stays()
    {
        await UpdateAsync("A");
        _core.Store.BeforeNextCommit(() => UpdateAsync("Winner", "W/\"1\""));

        var error = await Assert.ThrowsAsync<FhirOutcomeException>(() => UpdateAsync("Loser", "W/\"1\""));

        Assert.Equal(412, error.Status);
        var current = await _core.Read.ReadAsync(P1, default);
        Assert.Equal((2, "Winner"), (current.VersionId, CoreServices.Content<Patient>(current).Name[0].Family));
    }

    [Theory]
    [InlineData(0, 201)]
    [InlineData(1, 200)]
    [InlineData(2, 412)]
    public async Task Conditional_update_depends_on_how_many_resources_match(int existing, int status)
    {
        for (var i = 0; i < existing; i++) await _core.SeedAsync(CoreServices.Patient($"p{i}", "Old", mrn: "m1"));
        var call = () => _core.Update.UpdateConditionalAsync("Patient", "identifier=urn:mrn|m1", CoreServices.Patient(null, "New", mrn: "m1"), null, default);

        if (status == 412)
        {
            Assert.Equal(412, (await Assert.ThrowsAsync<FhirOutcomeException>(call)).Status);
            return;
        }
        var result = await call();
        Assert.Equal(status, result.Status);
        Assert.Equal(existing + 1, result.Resource!.VersionId);
        if (existing == 1) Assert.Equal("p0", result.Resource.Key.Id);
        var match = Assert.Single(await _core.FindAsync("Patient", ("identifier", "urn:mrn|m1")));
        Assert.Equal("New", CoreServices.Content<Patient>(match).Name[0].Family);
    }

    [Fact]
    public async Task Conditional_update_whose_body_id_differs_from_the_match_is_400()
    {
        await _core.SeedAsync(CoreServices.Patient("p0", mrn: "m1"));
        var error = await Assert.ThrowsAsync<FhirOutcomeException>(() =>
            _core.Update.UpdateConditionalAsync("Patient", "identifier=urn:mrn|m1", CoreServices.Patient("p9", mrn: "m1"), null, default));
        Assert.Equal(400, error.Status);
    }

    [Fact]
    public async Task Conditional_update_that_loses_the_race_updates_the_winner_instead_of_creating_a_second()
    {
        _core.Store.BeforeNextCommit(() => _core.SeedAsync(CoreServices.Patient("winner", "Winner", mrn: "m1")));

        // No id in the body: the first attempt picks a new one; the retry must not carry it over to the match.
        var result = await _core.Update.UpdateConditionalAsync("Patient", "identifier=urn:mrn|m1", CoreServices.Patient(null, "Ours", mrn: "m1"), null, default);

        Assert.Equal(3, _core.Store.Commits);
        Assert.Equal((200, "winner", 2), (result.Status, result.Resource!.Key.Id, result.Resource.VersionId));
        var match = Assert.Single(await _core.FindAsync("Patient", ("identifier", "urn:mrn|m1")));
        Assert.Equal("Ours", CoreServices.Content<Patient>(match).Name[0].Family);
    }
}
