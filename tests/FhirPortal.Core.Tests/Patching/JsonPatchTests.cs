using System.Text;
using FhirPortal.Core;
using FhirPortal.Core.Patching;
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Patching;

public class JsonPatchTests
{
    private static readonly FhirParser Parser = new(100);

    private static Patient Sample() => new()
    {
        Id = "p1",
        Active = true,
        Gender = AdministrativeGender.Female,
        Name = [new HumanName { Family = "Chalmers", Given = ["Peter", "James"] }],
        Identifier = [new Identifier("urn:mrn", "1")],
    };

    private static Resource Apply(string patch, Resource resource) =>
        JsonPatchDocument.Parse(Encoding.UTF8.GetBytes(patch), Parser).Apply(resource);

    [Fact]
    public void Applies_every_operation_in_order()
    {
        var result = (Patient)Apply("""
            [
              { "op": "test", "path": "/name/0/family", "value": "Chalmers" },
              { "op": "replace", "path": "/name/0/family", "value": "Chalmerz" },
              { "op": "add", "path": "/name/0/given/-", "value": "Jim" },
              { "op": "add", "path": "/name/0/given/0", "value": "Pete" },
              { "op": "remove", "path": "/active" },
              { "op": "copy", "from": "/identifier/0", "path": "/identifier/-" },
              { "op": "replace", "path": "/identifier/1/value", "value": "2" },
              { "op": "move", "from": "/identifier/1", "path": "/identifier/0" },
              { "op": "add", "path": "/birthDate", "value": "1974-12-25" }
            ]
            """, Sample());

        Assert.Equal("Chalmerz", result.Name[0].Family);
        Assert.Equal(["Pete", "Peter", "James", "Jim"], result.Name[0].Given);
        Assert.Null(result.Active);
        Assert.Equal(["2", "1"], result.Identifier.Select(i => i.Value));
        Assert.Equal("1974-12-25", result.BirthDate);
    }

    [Fact]
    public void Pointer_escapes_follow_rfc_6901()
    {
        var result = (Patient)Apply("""[{ "op": "add", "path": "/extension", "value": [{ "url": "a/b~c", "valueString": "x" }] }]""", Sample());
        Assert.Equal("a/b~c", result.Extension[0].Url);
    }

    [Fact]
    public void A_failed_test_is_422()
    {
        var e = Assert.Throws<FhirOutcomeException>(() =>
            Apply("""[{ "op": "test", "path": "/gender", "value": "male" }]""", Sample()));
        Assert.Equal(422, e.Status);
    }

    [Theory]
    [InlineData("""{ "op": "add" }""")]
    [InlineData("""[{ "op": "jump", "path": "/a" }]""")]
    [InlineData("""[{ "op": "add", "path": "/a" }]""")]
    [InlineData("""[{ "op": "add", "path": "a", "value": 1 }]""")]
    [InlineData("""[{ "op": "move", "path": "/name/0/given", "from": "/name" }]""")]
    [InlineData("""[{ "op": "add", "path": "/a", "value": 1 }""")]
    [InlineData("""[{ "op": "add", "path": "/a~2", "value": 1 }]""")]
    public void A_malformed_document_is_400(string patch)
    {
        var e = Assert.Throws<FhirOutcomeException>(() => Apply(patch, Sample()));
        Assert.Equal(400, e.Status);
    }

    [Theory]
    [InlineData("""[{ "op": "remove", "path": "/telecom" }]""")]
    [InlineData("""[{ "op": "replace", "path": "/name/3/family", "value": "x" }]""")]
    [InlineData("""[{ "op": "add", "path": "/name/5", "value": {} }]""")]
    [InlineData("""[{ "op": "add", "path": "/colour", "value": "red" }]""")]
    [InlineData("""[{ "op": "replace", "path": "/gender", "value": "sometimes" }]""")]
    [InlineData("""[{ "op": "replace", "path": "", "value": [] }]""")]
    [InlineData("""[{ "op": "replace", "path": "/resourceType", "value": "Observation" }]""")]
    public void A_patch_that_does_not_fit_the_resource_is_422(string patch)
    {
        var e = Assert.Throws<FhirOutcomeException>(() => Apply(patch, Sample()));
        Assert.Equal(422, e.Status);
    }

    [Fact]
    public void The_current_resource_is_left_untouched()
    {
        var current = Sample();
        Apply("""[{ "op": "remove", "path": "/name" }]""", current);
        Assert.Single(current.Name);
    }
}
