using System.Text.Json.Nodes;
using FhirPortal.DataGen.Generation;
using FhirPortal.DataGen.Output;

namespace FhirPortal.Server.Tests.DataGen;

/// <summary>The generator's files: byte-for-byte reproducible per seed, NDJSON per type, and closed under references.</summary>
public sealed class GeneratorOutputTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "fhirportal-datagen-tests", Guid.NewGuid().ToString("N"));

    internal static GeneratorOptions Small(long seed = 7, int patients = 3) =>
        new() { Seed = seed, Patients = patients, ResourcesPerPatient = 80, AsOf = new DateOnly(2026, 11, 23), FirstPatientId = "demo-patient" };

    [Theory]
    [InlineData("bundle")]
    [InlineData("ndjson")]
    public void Same_seed_writes_identical_bytes_and_another_seed_does_not(string format)
    {
        var first = Write(format, Small(), "a");
        var second = Write(format, Small(), "b");
        var other = Write(format, Small(seed: 8), "c");

        Assert.Equal(first.Keys.Order(), second.Keys.Order());
        foreach (var (name, bytes) in first) Assert.True(bytes.SequenceEqual(second[name]), $"{name} differs between two runs of the same seed");
        Assert.Contains(first, f => !other.TryGetValue(f.Key, out var o) || !o.SequenceEqual(f.Value));
    }

    [Fact]
    public void Ndjson_writes_one_file_per_type_holding_only_that_type_with_unique_ids()
    {
        var files = Write("ndjson", Small(), "n");
        var expected = new[]
        {
            "Account", "Appointment", "CareTeam", "Claim", "ClaimResponse", "Communication", "Coverage", "DiagnosticReport", "Encounter",
            "ExplanationOfBenefit", "Invoice", "Location", "MedicationDispense", "MedicationRequest", "Observation", "Organization", "Patient", "PaymentReconciliation",
            "Practitioner", "PractitionerRole", "Schedule", "Slot",
        };
        Assert.Equal(expected, files.Keys.Select(f => Path.GetFileNameWithoutExtension(f)).Order());
        foreach (var (name, bytes) in files)
        {
            var type = Path.GetFileNameWithoutExtension(name);
            var lines = System.Text.Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var ids = lines.Select(l => JsonNode.Parse(l)!).Select(r => { Assert.Equal(type, (string)r["resourceType"]!); return (string)r["id"]!; }).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());
        }
        Assert.Equal(3, Lines(files["Patient.ndjson"]).Length);
        Assert.Contains(Lines(files["Patient.ndjson"]), p => (string)p["id"]! == "demo-patient");
    }

    [Fact]
    public void Every_reference_in_the_ndjson_output_resolves_to_a_generated_resource()
    {
        var files = Write("ndjson", Small(patients: 4), "r");
        var resources = files.Values.SelectMany(Lines).ToList();
        var known = resources.Select(r => $"{r["resourceType"]}/{r["id"]}").ToHashSet();
        var references = resources.SelectMany(r => ReferencesIn(r).Select(reference => (From: $"{r["resourceType"]}/{r["id"]}", reference))).ToList();

        Assert.True(references.Count > 500, $"only {references.Count} references");
        Assert.Empty(references.Where(r => !known.Contains(r.reference)).Select(r => $"{r.From} -> {r.reference}"));
    }

    [Fact]
    public void Every_reference_in_a_patient_bundle_names_an_entry_of_it_or_a_shared_resource()
    {
        var options = Small();
        var shared = JsonNode.Parse(FhirJson.ToBytes(TransactionBundles.Shared(options)))!;
        var sharedIds = shared["entry"]!.AsArray().Select(e => (string)e!["request"]!["url"]!).ToHashSet();
        foreach (var record in new PatientGenerator(options).All())
        {
            var bundle = JsonNode.Parse(FhirJson.ToBytes(TransactionBundles.Patient(record)))!;
            var entries = bundle["entry"]!.AsArray();
            var fullUrls = entries.Select(e => (string)e!["fullUrl"]!).ToHashSet();
            Assert.All(fullUrls, u => Assert.StartsWith("urn:uuid:", u));
            var dangling = entries.SelectMany(e => ReferencesIn(e!["resource"]!)).Where(r => !fullUrls.Contains(r) && !sharedIds.Contains(r)).ToList();
            Assert.Empty(dangling);
        }
    }

    [Fact]
    public void Resources_per_patient_sizes_the_record()
    {
        var small = new PatientGenerator(Small() with { ResourcesPerPatient = 60 }).Generate(1).Entries.Count;
        var large = new PatientGenerator(Small() with { ResourcesPerPatient = 1000 }).Generate(1).Entries.Count;
        Assert.InRange(small, 40, 90);
        Assert.InRange(large, 700, 1300);
    }

    private Dictionary<string, byte[]> Write(string format, GeneratorOptions options, string folder)
    {
        var dir = Path.Combine(_root, folder);
        if (format == "ndjson") DataSetFiles.WriteNdjson(options, dir);
        else DataSetFiles.WriteBundles(options, dir);
        return Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
    }

    private static JsonNode[] Lines(byte[] ndjson) =>
        System.Text.Encoding.UTF8.GetString(ndjson).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToArray();

    /// <summary>Every <c>reference</c> string inside a resource's JSON.</summary>
    internal static IEnumerable<string> ReferencesIn(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, value) in o)
                {
                    if (name == "reference" && value is JsonValue v) yield return v.GetValue<string>();
                    else if (value is not null) foreach (var r in ReferencesIn(value)) yield return r;
                }
                break;
            case JsonArray a:
                foreach (var item in a) if (item is not null) foreach (var r in ReferencesIn(item)) yield return r;
                break;
        }
    }

    public void Dispose() => FhirPortalHost.TryDelete(_root);
}
