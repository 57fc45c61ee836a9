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

    /// <summary>
    /// The order to load the NDJSON files in (e.g. as <c>$import</c> inputs): the resources write rules look up
    /// (organizations, practitioners, schedules and slots, patients, care teams) before the ones that point to them.
    /// </summary>
    public static IEnumerable<string> LoadOrder(IEnumerable<string> types)
    {
        string[] first = ["Organization", "Location", "Practitioner", "PractitionerRole", "HealthcareService", "Schedule", "Slot", "Patient",
            "RelatedPerson", "CareTeam", "Coverage", "Account", "Encounter"];
        string[] last = ["Appointment", "Communication", "Task", "Claim", "ExplanationOfBenefit", "Invoice", "PaymentReconciliation"];
        var all = types.ToHashSet(StringComparer.Ordinal);
        return [.. first.Where(all.Contains), .. all.Except(first).Except(last).Order(StringComparer.Ordinal), .. last.Where(all.Contains)];
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
