using FhirPortal.DataGen.Generation;

namespace FhirPortal.DataGen.Output;

/// <summary>Writes a data set to a folder, one patient at a time.</summary>
public static class DataSetFiles
{
    /// <summary><c>shared.json</c> (load it first), then <c>patient-000001.json</c>…: one transaction Bundle each. Returns the resource count.</summary>
    public static long WriteBundles(GeneratorOptions options, string directory)
    {
        Directory.CreateDirectory(directory);
        var shared = TransactionBundles.Shared(options);
        File.WriteAllBytes(Path.Combine(directory, "shared.json"), FhirJson.ToBytes(shared));
        long count = shared.Entry.Count;
        foreach (var record in new PatientGenerator(options).All())
        {
            var bundle = TransactionBundles.Patient(record);
            File.WriteAllBytes(Path.Combine(directory, $"patient-{record.Index + 1:D6}.json"), FhirJson.ToBytes(bundle));
            count += bundle.Entry.Count;
        }
        return count;
    }

    /// <summary>One <c>{Type}.ndjson</c> per resource type, shared resources included. Returns the resource count.</summary>
    public static long WriteNdjson(GeneratorOptions options, string directory)
    {
        using var writer = new NdjsonWriter(directory);
        writer.Write(new SharedData(options).Entries().ToList());
        foreach (var record in new PatientGenerator(options).All()) writer.Write(record.Entries);
        return writer.Resources;
    }
}
