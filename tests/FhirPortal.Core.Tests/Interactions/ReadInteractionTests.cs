using FhirPortal.Core.Interactions;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Interactions;

/// <summary>read and vread (ReadInteraction) on a real SQLite store.</summary>
public sealed class ReadInteractionTests : IDisposable
{
    private static readonly ResourceKey P1 = new("Patient", "p1");
    private readonly CoreServices _core = new();

    public void Dispose() => _core.Dispose();

    [Fact]
    public async Task Read_returns_the_current_version_and_vread_each_older_one()
    {
        await _core.SeedAsync(CoreServices.Patient("p1", "First"));
        await _core.SeedAsync(CoreServices.Patient("p1", "Second"));

        var current = await _core.Read.ReadAsync(P1, default);
        var first = await _core.Read.ReadVersionAsync(P1, "1", default);

        Assert.Equal((2, "Second"), (current.VersionId, CoreServices.Content<Patient>(current).Name[0].Family));
        Assert.Equal((1, "First"), (first.VersionId, CoreServices.Content<Patient>(first).Name[0].Family));
    }

    [Theory]
    [InlineData("missing", null)]
    [InlineData("p1", "3")]
    [InlineData("p1", "x")]
    [InlineData("p1", "-1")]
    public async Task Reading_an_unknown_resource_or_version_is_404(string id, string? version)
    {
        await _core.SeedAsync(CoreServices.Patient("p1"));
        var key = new ResourceKey("Patient", id);

        var error = await Assert.ThrowsAsync<FhirOutcomeException>(() =>
            version is null ? _core.Read.ReadAsync(key, default) : _core.Read.ReadVersionAsync(key, version, default));

        Assert.Equal(404, error.Status);
    }

    [Fact]
    public async Task A_deleted_resource_reads_as_gone_with_its_tombstone_but_its_old_versions_stay_readable()
    {
        await _core.SeedAsync(CoreServices.Patient("p1"));
        await _core.Delete.DeleteAsync(P1, null, default);

        var gone = await Assert.ThrowsAsync<ReadInteraction.DeletedException>(() => _core.Read.ReadAsync(P1, default));
        var tombstone = await Assert.ThrowsAsync<ReadInteraction.DeletedException>(() => _core.Read.ReadVersionAsync(P1, "2", default));

        Assert.Equal(2, gone.Tombstone.VersionId);
        Assert.Equal(2, tombstone.Tombstone.VersionId);
        Assert.Equal(1, (await _core.Read.ReadVersionAsync(P1, "1", default)).VersionId);
    }
}
