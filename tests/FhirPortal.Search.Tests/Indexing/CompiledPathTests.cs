using Hl7.Fhir.Model;

namespace FhirPortal.Search.Tests;

/// <summary>Each expression shape the compiled paths take, compared value by value with the FhirPath interpreter.</summary>
public sealed class CompiledPathTests
{
    [Theory]
    [InlineData("simple path, repeating", "Patient.name", "patient")]
    [InlineData("nested path through a list", "Patient.name.given", "patient")]
    [InlineData("primitive element", "Patient.birthDate", "patient")]
    [InlineData("choice element by its FhirPath name", "Observation.value", "observation-quantity")]
    [InlineData("absent element", "Patient.photo", "patient")]
    [InlineData("Resource root", "Resource.meta.lastUpdated", "patient")]
    [InlineData("another type's root", "Observation.code", "patient")]
    [InlineData("x as Y, matching", "(Observation.value as Quantity)", "observation-quantity")]
    [InlineData("x as Y, not matching", "(Observation.value as CodeableConcept)", "observation-quantity")]
    [InlineData("as() with a subtype (Age is a Quantity)", "Condition.onset.as(Quantity)", "condition-age")]
    [InlineData("as() with the exact type", "Condition.onset.as(Age)", "condition-age")]
    [InlineData("as() with a primitive type name", "Condition.onset.as(dateTime)", "condition-datetime")]
    [InlineData("as() with a qualified type name", "Condition.onset.as(FHIR.dateTime)", "condition-datetime")]
    [InlineData("ofType with a primitive's FHIR type name", "Patient.birthDate.ofType(date)", "patient")]
    [InlineData("ofType with the SDK class name of a primitive (FHIR names are case-sensitive)", "Patient.birthDate.ofType(Date)", "patient")]
    [InlineData("as() with the SDK class name of a primitive", "Condition.onset.as(FhirDateTime)", "condition-datetime")]
    [InlineData("ofType on a repeating list", "Observation.component.value.ofType(CodeableConcept)", "observation-components")]
    [InlineData("then a child of the cast", "(Observation.value as CodeableConcept).text", "observation-concept")]
    [InlineData("union of branches", "Observation.code | Observation.component.code", "observation-components")]
    [InlineData("union of casts", "(Observation.value as Quantity) | (Observation.value as CodeableConcept)", "observation-concept")]
    [InlineData("resolve() is, relative/absolute/versioned/contained", "Observation.performer.where(resolve() is Practitioner)", "observation-performers")]
    [InlineData("resolve() is a base type", "Observation.performer.where(resolve() is Resource)", "observation-performers")]
    [InlineData("resolve() is, nothing matches", "Observation.performer.where(resolve() is Device)", "observation-performers")]
    [InlineData("where(code = literal) then a child", "ActivityDefinition.relatedArtifact.where(type='composed-of').resource", "activity-definition")]
    [InlineData("where(code = literal) on ContactPoint.system", "OrganizationAffiliation.telecom.where(system='email')", "affiliation")]
    [InlineData("indexer", "Bundle.entry[0].resource", "bundle")]
    [InlineData("indexer past the end", "Bundle.entry[5].resource", "bundle")]
    [InlineData("relative path (a composite component)", "code", "observation-quantity")]
    [InlineData("$this", "$this", "observation-quantity")]
    public void Compiled_path_selects_what_the_interpreter_selects(string shape, string expression, string resource)
    {
        var root = Resources(resource);
        var path = CompiledPath.For(expression);
        Assert.True(path is not null, $"{shape}: '{expression}' should compile");

        var compiled = new List<Base>();
        Assert.True(path.TrySelect(root, root, compiled), $"{shape}: the compiled path should decide every value");
        var node = root.ToPocoNode();
        var interpreted = FhirPathEvaluator.Values(FhirPathEvaluator.Select(node, expression, FhirPathEvaluator.ContextFor(root, node)));

        // A union also drops values equal to earlier ones in the interpreter; the index drops them anyway.
        if (path.IsUnion) compiled = compiled.Where((value, i) => !compiled.Take(i).Any(earlier => SameValue(earlier, value))).ToList();
        Assert.Equal(interpreted.Count, compiled.Count);
        for (var i = 0; i < compiled.Count; i++)
            Assert.True(SameValue(interpreted[i], compiled[i]), $"{shape}: value {i} differs");
    }

    [Theory]
    [InlineData("Patient.deceased.exists() and Patient.deceased != false")]
    [InlineData("Patient.extension('http://example.org/x')")]
    [InlineData("Patient.name.first()")]
    [InlineData("Patient.name.where(use = 'official' or use = 'usual')")]
    [InlineData("Patient.telecom.where(system = %value)")]
    [InlineData("(Patient.name | Patient.contact.name).family")]
    [InlineData("Patient.name.")]
    public void Other_expressions_are_left_to_the_interpreter(string expression) =>
        Assert.Null(CompiledPath.For(expression));

    [Theory]
    [InlineData("where on a non-string element", "Observation.component.where(value = 'x')", "observation-components")]
    [InlineData("resolve() on something other than a Reference", "Observation.code.coding.system.where(resolve() is Patient)", "observation-quantity")]
    [InlineData("a primitive's .value (a System value)", "Patient.birthDate.value", "patient")]
    [InlineData("resolve() of an abstract type", "Observation.subject.where(resolve() is Patient)", "observation-abstract-target")]
    public void Values_the_compiled_form_cannot_decide_go_to_the_interpreter(string shape, string expression, string resource)
    {
        var root = Resources(resource);
        var output = new List<Base>();

        Assert.False(CompiledPath.For(expression)!.TrySelect(root, root, output), shape);
        Assert.Empty(output);
    }

    [Fact]
    public void Compiled_and_interpreter_only_indexers_agree_on_every_shape_resource()
    {
        var interpreter = SearchIndexer.InterpreterOnly(Indexing.Registry);
        foreach (var name in new[] { "patient", "observation-quantity", "observation-concept", "observation-components", "observation-performers",
                     "condition-age", "condition-datetime", "activity-definition", "affiliation", "bundle", "observation-abstract-target" })
        {
            var resource = Resources(name);
            IndexComparison.AssertSame(interpreter.Index(resource), Indexing.Indexer.Index(resource), name);
        }
    }

    [Fact]
    public void Most_r4_parameters_are_compiled()
    {
        var parameters = Hl7.Fhir.Model.ModelInfo.SupportedResources.SelectMany(Indexing.Registry.ForType).Where(p => p.Expression is not null).ToList();
        var compiled = parameters.Count(Indexing.Indexer.IsCompiled);

        Assert.True(compiled > parameters.Count * 0.95, $"{compiled} of {parameters.Count} compiled");
        Assert.False(SearchIndexer.InterpreterOnly(Indexing.Registry).IsCompiled(parameters[0]));
    }

    private static bool SameValue(Base expected, Base actual) =>
        ReferenceEquals(expected, actual) || (expected.GetType() == actual.GetType() && expected.IsExactly(actual));

    private static Resource Resources(string name) => name switch
    {
        "patient" => new Patient
        {
            Id = "p1",
            Meta = new Meta { LastUpdated = DateTimeOffset.Parse("2024-05-01T10:00:00Z") },
            BirthDate = "1970-02-03",
            Name = [new HumanName { Family = "Chalmers", Given = ["Peter", "James"] }, new HumanName { Given = ["Jim"] }],
        },
        "observation-quantity" => new Observation
        {
            Code = new CodeableConcept("http://loinc.org", "8867-4"),
            Value = new Quantity(72, "/min"),
        },
        "observation-concept" => new Observation
        {
            Code = new CodeableConcept("http://loinc.org", "883-9"),
            Value = new CodeableConcept("http://snomed.info/sct", "112144000") { Text = "Blood group A" },
        },
        "observation-components" => new Observation
        {
            Code = new CodeableConcept("http://loinc.org", "85354-9"),
            Component =
            [
                new Observation.ComponentComponent { Code = new CodeableConcept("http://loinc.org", "8480-6"), Value = new Quantity(120, "mm[Hg]") },
                new Observation.ComponentComponent { Code = new CodeableConcept("http://loinc.org", "8462-4"), Value = new CodeableConcept("http://x", "high") },
                new Observation.ComponentComponent { Code = new CodeableConcept("http://loinc.org", "8480-6"), Value = new CodeableConcept("http://x", "low") },
            ],
        },
        "observation-performers" => new Observation
        {
            Contained = [new Practitioner { Id = "pr1" }, new Organization { Id = "org1" }],
            Performer =
            [
                new ResourceReference("Practitioner/a"),
                new ResourceReference("http://other.example/fhir/Practitioner/b/_history/2"),
                new ResourceReference("#pr1"),
                new ResourceReference("#org1"),
                new ResourceReference("#missing"),
                new ResourceReference("Organization/c"),
                new ResourceReference("urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"),
                new ResourceReference("Practitioner?identifier=x|1"),
                new ResourceReference("NotAType/d"),
                new ResourceReference { Identifier = new Identifier("http://npi.example", "999") },
                new ResourceReference("PractitionerRole/e"),
            ],
        },
        "observation-abstract-target" => new Observation { Subject = new ResourceReference("DomainResource/x") },
        "condition-age" => new Condition { Onset = new Age { Value = 42, Unit = "a", System = "http://unitsofmeasure.org", Code = "a" } },
        "condition-datetime" => new Condition { Onset = new FhirDateTime("2020-01-02") },
        "activity-definition" => new ActivityDefinition
        {
            RelatedArtifact =
            [
                new RelatedArtifact { Type = RelatedArtifact.RelatedArtifactType.ComposedOf, Resource = "http://example.org/Library/a" },
                new RelatedArtifact { Type = RelatedArtifact.RelatedArtifactType.DependsOn, Resource = "http://example.org/Library/b" },
                new RelatedArtifact { Resource = "http://example.org/Library/c" },
                new RelatedArtifact { Type = RelatedArtifact.RelatedArtifactType.ComposedOf, Resource = "http://example.org/Library/d" },
            ],
        },
        "affiliation" => new OrganizationAffiliation
        {
            Telecom =
            [
                new ContactPoint(ContactPoint.ContactPointSystem.Email, null, "a@example.org"),
                new ContactPoint(ContactPoint.ContactPointSystem.Phone, null, "555"),
                new ContactPoint { Value = "no system" },
                new ContactPoint(ContactPoint.ContactPointSystem.Email, null, "b@example.org"),
            ],
        },
        "bundle" => new Bundle
        {
            Type = Bundle.BundleType.Document,
            Entry =
            [
                new Bundle.EntryComponent { FullUrl = "urn:uuid:1", Resource = new Composition { Id = "c1", Title = "Summary" } },
                new Bundle.EntryComponent { FullUrl = "urn:uuid:2", Resource = new Patient { Id = "p1" } },
            ],
        },
        _ => throw new ArgumentException(name),
    };
}
