using Hl7.Fhir.Model;

namespace FhirPortal.Search.Tests;

public sealed class CompositeIndexingTests
{
    [Fact]
    public void Each_component_occurrence_is_its_own_group()
    {
        var observation = new Observation
        {
            Code = new CodeableConcept("http://loinc.org", "85354-9"),
            Component =
            [
                new Observation.ComponentComponent { Code = new CodeableConcept("http://loinc.org", "8480-6"), Value = new Quantity(120m, "mm[Hg]") },
                new Observation.ComponentComponent { Code = new CodeableConcept("http://loinc.org", "8462-4"), Value = new Quantity(80m, "mm[Hg]") },
            ],
        };

        var index = Indexing.Indexer.Index(observation);
        const string name = "component-code-value-quantity";
        var codes = index.Tokens.Where(t => t.Param == name + "#0").ToList();
        var values = index.Quantities.Where(q => q.Param == name + "#1").ToList();

        Assert.Equal(2, codes.Count);
        Assert.Equal(2, values.Count);
        var systolicGroup = Assert.Single(codes, c => c.Code == "8480-6").Group;
        var diastolicGroup = Assert.Single(codes, c => c.Code == "8462-4").Group;
        Assert.NotNull(systolicGroup);
        Assert.NotEqual(systolicGroup, diastolicGroup);
        Assert.Equal(120m, Assert.Single(values, v => v.Group == systolicGroup).Value);
        Assert.Equal(80m, Assert.Single(values, v => v.Group == diastolicGroup).Value);
        // Plain parameters never carry a group; group numbers are unique across all composites of the resource.
        Assert.All(index.Tokens.Where(t => !t.Param.Contains('#')), t => Assert.Null(t.Group));
        var comboGroups = index.Tokens.Where(t => t.Param == "combo-code-value-quantity#0").Select(t => t.Group).ToList();
        Assert.Empty(comboGroups.Intersect([systolicGroup, diastolicGroup]));
    }
}
