using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.SearchParameters;

/// <summary>
/// Keeps the registry in step with custom SearchParameter resources: those in profiles/ and those written through
/// the API. A SearchParameter that search could not use is rejected on write (422) rather than stored and ignored.
/// New parameters index new writes at once; existing resources need <c>$reindex</c>.
/// </summary>
public sealed class CustomSearchParameters(SearchParameterRegistry registry)
{
    private readonly NewestVersions _versions = new();

    /// <summary>The registry's generation: changes whenever a custom parameter is added or removed.</summary>
    public long Generation => registry.Generation;

    /// <summary>Throws a 422 when the resource is a SearchParameter the server cannot index.</summary>
    public void Validate(Resource resource)
    {
        if (resource is SearchParameter parameter) Infos(parameter);
    }

    /// <summary>Registers (or removes) the SearchParameters among committed writes.</summary>
    public void Committed(IEnumerable<ResourceWrite> writes)
    {
        foreach (var write in writes)
        {
            var version = write.Version;
            if (version.Key.Type != "SearchParameter") continue;
            _versions.Apply(version, () =>
            {
                if (version.IsDeleted) registry.RemoveCustom(version.Key.Id);
                else registry.SetCustom(version.Key.Id, Infos((SearchParameter)FhirParser.ParseStored(version.Json.Span)));
            });
        }
    }

    /// <summary>At start-up: SearchParameters from the profiles folder (files or Bundles), then those stored through the API.</summary>
    public async Task LoadAsync(string? profilesDirectory, IResourceStore store, FhirParser parser, CancellationToken ct)
    {
        foreach (var (file, resource) in await ProfileFolder.ReadAsync(profilesDirectory, parser, ct))
        {
            if (resource is SearchParameter parameter)
                registry.SetCustom($"profiles:{file}:{parameter.Id ?? parameter.Code}", Infos(parameter));
        }
        string? cursor = null;
        do
        {
            var page = await store.SearchAsync(new SearchQuery("SearchParameter", [], 200, cursor), ct);
            foreach (var stored in page.Entries)
                _versions.Apply(stored, () => registry.SetCustom(stored.Key.Id, Infos((SearchParameter)FhirParser.ParseStored(stored.Json.Span))));
            cursor = page.NextCursor;
        } while (cursor is not null);
    }

    private IReadOnlyList<SearchParameterInfo> Infos(SearchParameter parameter)
    {
        try
        {
            return CustomSearchParameter.ToInfos(parameter, registry);
        }
        catch (ArgumentException e)
        {
            throw FhirOutcomeException.Unprocessable($"SearchParameter '{parameter.Code ?? parameter.Id}': {e.Message}");
        }
    }
}
