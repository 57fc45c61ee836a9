using FhirPortal.Storage.Cosmos;
using Microsoft.Azure.Cosmos;

namespace FhirPortal.Storage.Tests.Cosmos;

/// <summary>How long id lists are split over several queries (run against the emulator by the graph contract).</summary>
public sealed class CosmosIdChunksTests
{
    [Fact]
    public void Each_combination_of_chunks_becomes_one_query_with_plain_arrays_and_the_other_parameters_kept()
    {
        var first = Enumerable.Range(0, 5).Select(i => $"a{i}").ToList();
        var second = Enumerable.Range(0, 3).Select(i => $"b{i}").ToList();
        var query = new QueryDefinition("SELECT * FROM c WHERE c.kind = @p0 AND ARRAY_CONTAINS(@p1, c.id) AND ARRAY_CONTAINS(@p2, c.rid)")
            .WithParameter("@p0", "cur").WithParameter("@p1", new CosmosIdList(first)).WithParameter("@p2", new CosmosIdList(second));
        using var _ = CosmosIdChunks.UseChunkSize(2);

        var variants = CosmosIdChunks.Variants(query);

        Assert.Equal(3 * 2, variants.Count);
        var parameters = variants.Select(v => v.GetQueryParameters().ToDictionary(p => p.Name, p => p.Value)).ToList();
        Assert.All(variants, v => Assert.Equal(query.QueryText, v.QueryText));
        Assert.All(parameters, p => Assert.Equal("cur", p["@p0"]));
        Assert.All(parameters, p => Assert.InRange(((string[])p["@p1"]).Length, 1, 2));
        Assert.Equal(first, parameters.SelectMany(p => (string[])p["@p1"]).Distinct().Order());
        Assert.Equal(second, parameters.SelectMany(p => (string[])p["@p2"]).Distinct().Order());
        Assert.Equal(6, parameters.Select(p => string.Join(",", (string[])p["@p1"]) + "|" + string.Join(",", (string[])p["@p2"])).Distinct().Count());
    }

    [Fact]
    public void Short_and_empty_lists_stay_one_query()
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE ARRAY_CONTAINS(@p0, c.id) OR ARRAY_CONTAINS(@p1, c.id)")
            .WithParameter("@p0", new CosmosIdList(["x", "y"])).WithParameter("@p1", new CosmosIdList([]));
        var variant = Assert.Single(CosmosIdChunks.Variants(query));
        var parameters = variant.GetQueryParameters().ToDictionary(p => p.Name, p => p.Value);
        Assert.Equal(["x", "y"], (string[])parameters["@p0"]);
        Assert.Empty((string[])parameters["@p1"]);
    }
}
