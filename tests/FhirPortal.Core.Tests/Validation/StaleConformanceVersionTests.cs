using System.Text;
using FhirPortal.Core.SearchParameters;
using FhirPortal.Core.Validation;
using FhirPortal.Search;
using FhirPortal.Storage;

namespace FhirPortal.Core.Tests.Validation;

/// <summary>
/// A local commit and the poll for other instances' changes apply versions in whatever order their threads get
/// there: an older version arriving after a newer one (a poll that read version 1 before a local delete wrote
/// version 2) must not bring a deleted SearchParameter or ValueSet back. CI once saw exactly that race.
/// </summary>
public sealed class StaleConformanceVersionTests
{
    private const string Parameter = """
        {"resourceType":"SearchParameter","id":"nick","url":"http://example.org/SearchParameter/nick","name":"Nick",
         "status":"active","description":"d","code":"nick","base":["Patient"],"type":"string","expression":"Patient.name.given"}
        """;

    private const string ValueSet = """
        {"resourceType":"ValueSet","id":"colours","url":"http://example.org/ValueSet/colours","status":"active",
         "compose":{"include":[{"system":"http://example.org/colours","concept":[{"code":"red"}]}]}}
        """;

    private static ResourceWrite Version(string type, string id, int versionId, string? json) =>
        new(new StoredResource(new ResourceKey(type, id), versionId, DateTimeOffset.UtcNow,
            json is null ? WriteMethod.Delete : versionId == 1 ? WriteMethod.Create : WriteMethod.Update,
            json is null ? ReadOnlyMemory<byte>.Empty : Encoding.UTF8.GetBytes(json)), null);

    [Fact]
    public void A_search_parameter_version_older_than_its_deletion_is_not_applied()
    {
        var registry = SearchParameterRegistry.CreateDefault();
        var parameters = new CustomSearchParameters(registry);

        parameters.Committed([Version("SearchParameter", "nick", 2, null)]);
        parameters.Committed([Version("SearchParameter", "nick", 1, Parameter)]);
        Assert.False(registry.TryGet("Patient", "nick", out _));

        parameters.Committed([Version("SearchParameter", "nick", 3, Parameter)]);
        Assert.True(registry.TryGet("Patient", "nick", out _));
        parameters.Committed([Version("SearchParameter", "nick", 3, null)]); // same version again: already applied
        Assert.True(registry.TryGet("Patient", "nick", out _));
    }

    [Fact]
    public void A_value_set_version_older_than_its_deletion_is_not_applied()
    {
        var resources = new ConformanceResources();
        var sync = new ConformanceSync(resources);

        sync.Committed([Version("ValueSet", "colours", 2, null)]);
        sync.Committed([Version("ValueSet", "colours", 1, ValueSet)]);
        Assert.False(resources.IsStored("http://example.org/ValueSet/colours"));

        sync.Committed([Version("ValueSet", "colours", 3, ValueSet)]);
        Assert.True(resources.IsStored("http://example.org/ValueSet/colours"));
    }
}
