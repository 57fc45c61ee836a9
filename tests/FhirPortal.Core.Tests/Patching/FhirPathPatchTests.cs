using FhirPortal.Core;
using FhirPortal.Core.Patching;
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Patching;

public class FhirPathPatchTests
{
    private static readonly FhirParser Parser = new(100);

    private static Patient Sample() => new()
    {
        Id = "p1",
        Active = true,
        Gender = AdministrativeGender.Female,
        Name = [new HumanName { Family = "Chalmers", Given = ["Peter", "James"] }],
        Identifier = [new Identifier("urn:mrn", "1"), new Identifier("urn:ssn", "2")],
    };

    private static Parameters.ParameterComponent Op(string type, string path, params (string Name, DataType Value)[] parts)
    {
        var op = new Parameters.ParameterComponent { Name = "operation" };
        op.Part.Add(new() { Name = "type", Value = new Code(type) });
        op.Part.Add(new() { Name = "path", Value = new FhirString(path) });
        foreach (var (name, value) in parts) op.Part.Add(new() { Name = name, Value = value });
        return op;
    }

    private static Resource Apply(Resource resource, params Parameters.ParameterComponent[] operations)
    {
        var parameters = new Parameters();
        parameters.Parameter.AddRange(operations);
        return FhirPathPatchDocument.FromParameters(parameters, Parser).Apply(resource);
    }

    [Fact]
    public void Add_replace_insert_move_delete()
    {
        var result = (Patient)Apply(Sample(),
            Op("add", "Patient", ("name", new Code("birthDate")), ("value", new Date("1974-12-25"))),
            Op("replace", "Patient.gender", ("value", new Code("male"))),
            Op("insert", "Patient.name[0].given", ("index", new Integer(1)), ("value", new FhirString("Jim"))),
            Op("move", "Patient.identifier", ("source", new Integer(1)), ("destination", new Integer(0))),
            Op("delete", "Patient.active"),
            Op("add", "Patient.name[0]", ("name", new Code("given")), ("value", new FhirString("Jr"))));

        Assert.Equal("1974-12-25", result.BirthDate);
        Assert.Equal(AdministrativeGender.Male, result.Gender);
        Assert.Equal(["Peter", "Jim", "James", "Jr"], result.Name[0].Given);
        Assert.Equal(["urn:ssn", "urn:mrn"], result.Identifier.Select(i => i.System));
        Assert.Null(result.Active);
    }

    [Fact]
    public void Delete_by_filter_and_of_a_missing_element()
    {
        var result = (Patient)Apply(Sample(),
            Op("delete", "Patient.identifier.where(system='urn:ssn')"),
            Op("delete", "Patient.telecom"));
        Assert.Equal(["urn:mrn"], result.Identifier.Select(i => i.System));
    }

    [Fact]
    public void A_complex_value_is_built_from_parts()
    {
        var value = new Parameters.ParameterComponent { Name = "value" };
        value.Part.Add(new() { Name = "relationship", Value = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v2-0131", "N") });
        var name = new Parameters.ParameterComponent { Name = "name" };
        name.Part.Add(new() { Name = "family", Value = new FhirString("Chalmers") });
        name.Part.Add(new() { Name = "given", Value = new FhirString("Ann") });
        value.Part.Add(name);
        var add = Op("add", "Patient", ("name", new Code("contact")));
        add.Part.Add(value);

        var result = (Patient)Apply(Sample(), add);

        var contact = Assert.Single(result.Contact);
        Assert.Equal("N", contact.Relationship[0].Coding[0].Code);
        Assert.Equal("Ann", contact.Name!.Given.Single());
    }

    [Fact]
    public void Insert_into_an_empty_list()
    {
        var result = (Patient)Apply(Sample(),
            Op("insert", "Patient.telecom", ("index", new Integer(0)), ("value", new ContactPoint(ContactPoint.ContactPointSystem.Email, null, "a@b.c"))));
        Assert.Equal("a@b.c", result.Telecom.Single().Value);
    }

    [Theory]
    [InlineData("replace", "Patient.identifier")]
    [InlineData("replace", "Patient.birthDate")]
    [InlineData("delete", "Patient")]
    public void Operations_that_do_not_fit_are_422(string type, string path)
    {
        var e = Assert.Throws<FhirOutcomeException>(() => Apply(Sample(), Op(type, path, ("value", new FhirString("x")))));
        Assert.Equal(422, e.Status);
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_422()
    {
        var e = Assert.Throws<FhirOutcomeException>(() => Apply(Sample(), Op("replace", "Patient.active", ("value", new FhirString("yes")))));
        Assert.Equal(422, e.Status);
    }

    [Fact]
    public void An_invalid_code_is_422()
    {
        var e = Assert.Throws<FhirOutcomeException>(() => Apply(Sample(), Op("replace", "Patient.gender", ("value", new Code("sometimes")))));
        Assert.Equal(422, e.Status);
    }

    [Theory]
    [InlineData("explode", "Patient.name")]
    [InlineData("add", "Patient.name[")]
    [InlineData("insert", "Patient.name")]
    public void Malformed_operations_are_400(string type, string path)
    {
        var e = Assert.Throws<FhirOutcomeException>(() => Apply(Sample(), Op(type, path, ("value", new FhirString("x")))));
        Assert.Equal(400, e.Status);
    }
}
