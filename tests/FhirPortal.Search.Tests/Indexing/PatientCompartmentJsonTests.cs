using System.Buffers;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Xunit.Abstractions;

namespace FhirPortal.Search.Tests;

/// <summary>
/// The access audit parses only a version's compartment elements (<see cref="SearchIndexer.PatientCompartmentRoots"/>,
/// <see cref="JsonElements.Keep"/>): over every resource of the shared fixtures that finds exactly the Patient
/// compartments the whole resource gives, and so does the full index the store keeps them from at write time
/// (<c>ResourceWrite.Patients</c>, read back by the audit instead of parsing).
/// </summary>
public sealed class PatientCompartmentJsonTests(ITestOutputHelper output)
{
    private static readonly BaseFhirJsonSerializer Serializer = new(ModelInfo.ModelInspector);
    private static readonly BaseFhirJsonDeserializer Parser = new(ModelInfo.ModelInspector, new DeserializerSettings().UsingMode(DeserializationMode.Ostrich));

    [SkippableFact]
    public void Official_examples_find_the_same_patients_from_their_compartment_elements() =>
        AssertSamePatients(CompiledIndexEquivalenceTests.Examples(Fixtures.Folder("examples")), "examples");

    [SkippableFact]
    public void Synthea_resources_find_the_same_patients_from_their_compartment_elements() =>
        AssertSamePatients(CompiledIndexEquivalenceTests.Synthea(Fixtures.Folder("synthea")), "synthea");

    public static TheoryData<string, string, string[]> Shapes => new()
    {
        // (what, stored JSON, patients expected)
        { "subject and performer", """{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"},"performer":[{"reference":"Patient/p2"},{"reference":"Practitioner/d1"}]}""", ["p1", "p2"] },
        { "contained patient is no compartment", """{"resourceType":"Observation","id":"o2","contained":[{"resourceType":"Patient","id":"c1"}],"status":"final","code":{"text":"x"},"subject":{"reference":"#c1"}}""", [] },
        { "group subject", """{"resourceType":"Observation","id":"o3","status":"final","code":{"text":"x"},"subject":{"reference":"Group/g1"},"_status":{"id":"s"}}""", [] },
        { "absolute reference", """{"resourceType":"Encounter","id":"e1","status":"finished","subject":{"reference":"http://example.org/fhir/Patient/p4"}}""", ["p4"] },
        { "no compartment element", """{"resourceType":"Condition","id":"c2","code":{"text":"x"}}""", [] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Compartment_elements_alone_give_the_patients(string _, string json, string[] patients)
    {
        var found = PatientsFromElements(System.Text.Encoding.UTF8.GetBytes(json));

        Assert.Equal(patients, found.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Types_outside_the_compartment_need_no_elements() =>
        Assert.Empty(Indexing.Indexer.PatientCompartmentRoots("Practitioner")!);

    private void AssertSamePatients(List<Resource> resources, string source)
    {
        var failures = new List<string>();
        var compared = 0;
        foreach (var resource in resources.Where(r => r.TypeName != "Patient" && CompartmentMembership.PatientParameters(r.TypeName).Count > 0))
        {
            var whole = Indexing.Indexer.PatientCompartments(resource).Select(c => c.Id).Order(StringComparer.Ordinal).ToList();
            var fromElements = PatientsFromElements(Json(resource)).Order(StringComparer.Ordinal).ToList();
            var indexed = Indexing.Indexer.Index(resource).Compartments.Where(c => c.CompartmentType == "Patient").Select(c => c.Id).Order(StringComparer.Ordinal).ToList();
            compared++;
            if (!whole.SequenceEqual(fromElements) || !whole.SequenceEqual(indexed))
                failures.Add($"{resource.TypeName}/{resource.Id}: whole [{string.Join(", ", whole)}], elements [{string.Join(", ", fromElements)}], index [{string.Join(", ", indexed)}]");
        }
        output.WriteLine($"{source}: {compared} resources compared; {Timing(resources)}");
        Assert.True(compared > 0, "no resource of a compartment type");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    // For the benchmark notes, not asserted: parsing whole versions against only their compartment elements.
    private static string Timing(List<Resource> resources)
    {
        var stored = resources.Where(r => r.TypeName != "Patient" && CompartmentMembership.PatientParameters(r.TypeName).Count > 0).Select(Json).ToList();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var json in stored)
        {
            var reader = new Utf8JsonReader(json);
            Parser.TryDeserializeResource(ref reader, out var resource, out _);
            _ = Indexing.Indexer.PatientCompartments(resource!);
        }
        var whole = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        foreach (var json in stored) _ = PatientsFromElements(json).Count();
        return $"whole resources {whole:F0} ms, compartment elements {clock.Elapsed.TotalMilliseconds:F0} ms";
    }

    private static IEnumerable<string> PatientsFromElements(byte[] json)
    {
        var type = JsonDocument.Parse(json).RootElement.GetProperty("resourceType").GetString()!;
        // As the audit does: the whole resource when an expression may read more than its roots.
        var reader = new Utf8JsonReader(Indexing.Indexer.PatientCompartmentRoots(type) is { } roots ? JsonElements.Keep(json, roots) : json);
        Parser.TryDeserializeResource(ref reader, out var resource, out _);
        Assert.NotNull(resource);
        return Indexing.Indexer.PatientCompartments(resource!).Select(c => c.Id);
    }

    private static byte[] Json(Resource resource)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer)) Serializer.Serialize(resource, writer);
        return buffer.WrittenSpan.ToArray();
    }
}
