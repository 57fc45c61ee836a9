using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Interactions;

/// <summary>$meta, $meta-add and $meta-delete (MetaOperation) on a real SQLite store.</summary>
public sealed class MetaOperationTests : IDisposable
{
    private static readonly ResourceKey P1 = new("Patient", "p1");
    private readonly CoreServices _core = new();

    public void Dispose() => _core.Dispose();

    private static Parameters Tag(string code)
    {
        var parameters = new Parameters();
        parameters.Add("meta", new Meta { Tag = [new Coding("urn:tags", code)] });
        return parameters;
    }

    private static string[] Tags(Parameters result) =>
        ((Meta)result.Parameter.Single(p => p.Name == "return").Value!).Tag.Select(t => t.Code!).Order().ToArray();

    [Fact]
    public async Task Meta_add_and_delete_store_a_new_version_only_when_the_meta_changes()
    {
        await _core.SeedAsync(CoreServices.Patient("p1"));

        var added = await _core.Meta.ChangeAsync(P1, Tag("a"), add: true, default);
        var again = await _core.Meta.ChangeAsync(P1, Tag("a"), add: true, default);
        var deleted = await _core.Meta.ChangeAsync(P1, Tag("a"), add: false, default);

        Assert.Equal(["a"], Tags(added));
        Assert.Equal(["a"], Tags(again));
        Assert.Empty(Tags(deleted));
        Assert.Equal([3, 2, 1], (await _core.VersionsAsync(P1)).Select(v => v.VersionId));
        Assert.Empty(Tags(await _core.Meta.ReadAsync(P1, default)));
    }

    [Fact]
    public async Task Meta_in_use_on_a_type_collects_the_tags_of_its_current_resources()
    {
        await _core.SeedAsync(CoreServices.Patient("p1"));
        await _core.SeedAsync(CoreServices.Patient("p2"));
        await _core.Meta.ChangeAsync(P1, Tag("a"), add: true, default);
        await _core.Meta.ChangeAsync(new ResourceKey("Patient", "p2"), Tag("b"), add: true, default);

        Assert.Equal(["a", "b"], Tags(await _core.Meta.InUseAsync("Patient", default)));
        Assert.Empty(Tags(await _core.Meta.InUseAsync("Observation", default)));
    }

    [Theory]
    [InlineData("missing", true, 404)]
    [InlineData("deleted", true, 410)]
    [InlineData("p1", false, 400)]
    public async Task Meta_add_fails_on_a_missing_or_deleted_resource_or_without_a_meta_parameter(string id, bool withMeta, int status)
    {
        await _core.SeedAsync(CoreServices.Patient("p1"));
        await _core.SeedAsync(CoreServices.Patient("deleted"));
        await _core.Delete.DeleteAsync(new ResourceKey("Patient", "deleted"), null, default);

        var error = await Assert.ThrowsAsync<FhirOutcomeException>(() =>
            _core.Meta.ChangeAsync(new ResourceKey("Patient", id), withMeta ? Tag("a") : new Parameters(), add: true, default));

        Assert.Equal(status, error.Status);
        Assert.Single(await _core.VersionsAsync(P1));
    }

    [Fact]
    public async Task Meta_add_that_loses_the_race_is_applied_again_to_the_winners_version()
    {
        await _core.SeedAsync(CoreServices.Patient("p1", "Lovelace"));
        _core.Store.BeforeNextCommit(() => _core.SeedAsync(CoreServices.Patient("p1", "Byron")));

        await _core.Meta.ChangeAsync(P1, Tag("a"), add: true, default);

        Assert.Equal(4, _core.Store.Commits);
        var current = CoreServices.Content<Patient>(await _core.Read.ReadAsync(P1, default));
        Assert.Equal((3, "Byron", "a"), (int.Parse(current.Meta!.VersionId!), current.Name[0].Family, current.Meta.Tag.Single().Code));
    }
}
