using FhirPortal.Core.Interactions;
using FhirPortal.Storage;

namespace FhirPortal.Core.Tests.Interactions;

/// <summary>delete and conditional delete (DeleteInteraction) on a real SQLite store.</summary>
public sealed class DeleteInteractionTests : IDisposable
{
    private static readonly ResourceKey P1 = new("Patient", "p1");
    private readonly CoreServices _core = new();

    public void Dispose() => _core.Dispose();

    [Fact]
    public async Task Delete_stores_a_tombstone_as_the_next_version_and_reads_then_answer_410()
    {
        await _core.SeedAsync(CoreServices.Patient("p1"));

        var result = await _core.Delete.DeleteAsync(P1, null, default);

        Assert.Equal(204, result.Status);
        Assert.Equal((2, true), (result.Resource!.VersionId, result.Resource.IsDeleted));
        var gone = await Assert.ThrowsAsync<ReadInteraction.DeletedException>(() => _core.Read.ReadAsync(P1, default));
        Assert.Equal(410, gone.ToOutcome().Status);
        Assert.Empty(await _core.FindAsync("Patient"));
    }

    [Fact]
    public async Task Deleting_what_never_existed_or_is_already_deleted_stores_nothing()
    {
        var never = await _core.Delete.DeleteAsync(P1, null, default);
        Assert.Equal((204, null), (never.Status, never.Resource));
        Assert.Null(await _core.Store.ReadAsync(P1, default));

        await _core.SeedAsync(CoreServices.Patient("p1"));
        await _core.Delete.DeleteAsync(P1, null, default);
        var again = await _core.Delete.DeleteAsync(P1, null, default);
        Assert.Equal((204, 2), (again.Status, again.Resource!.VersionId));
        Assert.Equal(2, (await _core.VersionsAsync(P1)).Count);
    }

    [Theory]
    [InlineData(false, "W/\"1\"", 412)]
    [InlineData(true, "W/\"2\"", 412)]
    [InlineData(true, "W/\"1\"", 204)]
    public async Task Delete_with_If_Match_needs_the_current_version(bool exists, string ifMatch, int status)
    {
        if (exists) await _core.SeedAsync(CoreServices.Patient("p1"));

        if (status == 412)
        {
            Assert.Equal(412, (await Assert.ThrowsAsync<FhirOutcomeException>(() => _core.Delete.DeleteAsync(P1, ifMatch, default))).Status);
            Assert.Equal(exists ? 1 : 0, (await _core.VersionsAsync(P1)).Count);
            return;
        }
        Assert.True((await _core.Delete.DeleteAsync(P1, ifMatch, default)).Resource!.IsDeleted);
    }

    [Fact]
    public async Task An_If_Match_delete_that_loses_the_race_is_412_and_the_winners_version_stays()
    {
        await _core.SeedAsync(CoreServices.Patient("p1"));
        _core.Store.BeforeNextCommit(() => _core.SeedAsync(CoreServices.Patient("p1", "Changed")));

        var error = await Assert.ThrowsAsync<FhirOutcomeException>(() => _core.Delete.DeleteAsync(P1, "W/\"1\"", default));

        Assert.Equal(412, error.Status);
        Assert.Equal(2, (await _core.Read.ReadAsync(P1, default)).VersionId);
    }

    [Theory]
    [InlineData(0, 204)]
    [InlineData(1, 204)]
    [InlineData(2, 412)]
    public async Task Conditional_delete_depends_on_how_many_resources_match(int existing, int status)
    {
        for (var i = 0; i < existing; i++) await _core.SeedAsync(CoreServices.Patient($"p{i}", mrn: "m1"));
        var call = () => _core.Delete.DeleteConditionalAsync("Patient", "identifier=urn:mrn|m1", null, default);

        if (status == 412)
        {
            Assert.Equal(412, (await Assert.ThrowsAsync<FhirOutcomeException>(call)).Status);
            Assert.Equal(2, (await _core.FindAsync("Patient")).Count);
            return;
        }
        var result = await call();
        Assert.Equal(status, result.Status);
        Assert.Equal(existing == 1, result.Resource is { IsDeleted: true });
        Assert.Empty(await _core.FindAsync("Patient"));
    }
}
