using System.Text;
using FhirPortal.Core.Patching;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Interactions;

/// <summary>patch and conditional patch (PatchInteraction) on a real SQLite store.</summary>
public sealed class PatchInteractionTests : IDisposable
{
    private static readonly ResourceKey P1 = new("Patient", "p1");
    private readonly CoreServices _core = new();

    public void Dispose() => _core.Dispose();

    private static JsonPatchDocument Json(string patch) => JsonPatchDocument.Parse(Encoding.UTF8.GetBytes(patch), CoreServices.Parser);

    private static readonly JsonPatchDocument SetFamilyToByron = Json("""[{"op":"replace","path":"/name/0/family","value":"Byron"}]""");

    [Fact]
    public async Task Patch_stores_the_patched_resource_as_the_next_version()
    {
        await _core.SeedAsync(CoreServices.Patient("p1", "Lovelace"));

        var result = await _core.Patch.PatchAsync(P1, SetFamilyToByron, null, default);

        Assert.Equal((200, 2), (result.Status, result.Resource!.VersionId));
        Assert.Equal("Byron", CoreServices.Content<Patient>(await _core.Read.ReadAsync(P1, default)).Name[0].Family);
    }

    [Fact]
    public async Task Patch_that_changes_nothing_returns_the_current_version_and_stores_none()
    {
        await _core.SeedAsync(CoreServices.Patient("p1", "Byron"));

        var result = await _core.Patch.PatchAsync(P1, SetFamilyToByron, null, default);

        Assert.Equal((200, 1), (result.Status, result.Resource!.VersionId));
        Assert.Single(await _core.VersionsAsync(P1));
    }

    [Theory]
    [InlineData("missing", null, 404)]
    [InlineData("deleted", null, 410)]
    [InlineData("p1", "W/\"2\"", 412)]
    public async Task Patch_fails_on_a_missing_or_deleted_resource_and_a_stale_If_Match(string id, string? ifMatch, int status)
    {
        await _core.SeedAsync(CoreServices.Patient("p1"));
        await _core.SeedAsync(CoreServices.Patient("deleted"));
        await _core.Delete.DeleteAsync(new ResourceKey("Patient", "deleted"), null, default);

        var error = await Assert.ThrowsAsync<FhirOutcomeException>(() => _core.Patch.PatchAsync(new ResourceKey("Patient", id), SetFamilyToByron, ifMatch, default));

        Assert.Equal(status, error.Status);
        Assert.Single(await _core.VersionsAsync(P1));
    }

    [Fact]
    public async Task Patch_that_changes_the_id_is_422()
    {
        await _core.SeedAsync(CoreServices.Patient("p1"));
        var error = await Assert.ThrowsAsync<FhirOutcomeException>(() =>
            _core.Patch.PatchAsync(P1, Json("""[{"op":"replace","path":"/id","value":"p2"}]"""), null, default));
        Assert.Equal(422, error.Status);
    }

    [Fact]
    public async Task Patch_that_loses_the_race_is_applied_again_to_the_winners_version()
    {
        await _core.SeedAsync(CoreServices.Patient("p1", "Lovelace"));
        _core.Store.BeforeNextCommit(() =>
            _core.Update.UpdateAsync(P1, new Patient { Id = "p1", Name = [new HumanName { Family = "Lovelace" }], Gender = AdministrativeGender.Female }, null, default));

        var result = await _core.Patch.PatchAsync(P1, SetFamilyToByron, null, default);

        Assert.Equal(4, _core.Store.Commits);
        Assert.Equal(3, result.Resource!.VersionId);
        var current = CoreServices.Content<Patient>(await _core.Read.ReadAsync(P1, default));
        Assert.Equal(("Byron", AdministrativeGender.Female), (current.Name[0].Family, current.Gender)); // both writes kept
    }

    [Theory]
    [InlineData(0, 404)]
    [InlineData(1, 200)]
    [InlineData(2, 412)]
    public async Task Conditional_patch_depends_on_how_many_resources_match(int existing, int status)
    {
        for (var i = 0; i < existing; i++) await _core.SeedAsync(CoreServices.Patient($"p{i}", mrn: "m1"));
        var call = () => _core.Patch.PatchConditionalAsync("Patient", "identifier=urn:mrn|m1", SetFamilyToByron, null, default);

        if (status != 200)
        {
            Assert.Equal(status, (await Assert.ThrowsAsync<FhirOutcomeException>(call)).Status);
            Assert.All(await _core.FindAsync("Patient"), p => Assert.Equal(1, p.VersionId));
            return;
        }
        var result = await call();
        Assert.Equal((new ResourceKey("Patient", "p0"), 2), (result.Resource!.Key, result.Resource.VersionId));
    }
}
