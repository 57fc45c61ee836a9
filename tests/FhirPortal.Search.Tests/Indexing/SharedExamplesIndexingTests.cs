using System.Diagnostics;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Xunit.Abstractions;

namespace FhirPortal.Search.Tests;

public sealed class SharedExamplesIndexingTests(ITestOutputHelper output)
{
    private static readonly BaseFhirJsonDeserializer Json = new(ModelInfo.ModelInspector,
        new DeserializerSettings().UsingMode(DeserializationMode.Ostrich));

    [SkippableFact]
    public void Every_r4_example_indexes_without_exceptions()
    {
        var folder = Fixtures.Folder("examples");

        var resources = new List<(string File, Resource Resource)>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order())
        {
            var bytes = File.ReadAllBytes(file);
            var reader = new Utf8JsonReader(bytes);
            if (Json.TryDeserializeResource(ref reader, out var resource, out _) && resource is not null)
                resources.Add((Path.GetFileName(file), resource));
        }
        Assert.NotEmpty(resources);

        Indexing.Indexer.Index(resources[0].Resource); // warm-up: registry, compiled expressions, UCUM
        var failures = new List<string>();
        var values = 0L;
        var watch = Stopwatch.StartNew();
        foreach (var (file, resource) in resources)
        {
            try
            {
                var index = Indexing.Indexer.Index(resource);
                values += index.Tokens.Count + index.Strings.Count + index.Dates.Count + index.Numbers.Count
                          + index.Quantities.Count + index.References.Count + index.Uris.Count + index.Compartments.Count;
            }
            catch (Exception e)
            {
                failures.Add($"{file}: {e.GetType().Name}: {e.Message}");
                output.WriteLine($"{file}: {e}");
            }
        }
        watch.Stop();

        output.WriteLine($"Indexed {resources.Count} examples ({values} values) in {watch.ElapsedMilliseconds} ms " +
                         $"({watch.Elapsed.TotalMilliseconds / resources.Count:F2} ms each).");
        Assert.Empty(failures);
    }
}
