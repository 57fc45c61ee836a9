using Hl7.Fhir.Model;

namespace FhirPortal.DataGen.Generation;

/// <summary>
/// Generated entries as FHIR transactions: shared resources as PUTs at their stable ids (loading twice updates, never
/// duplicates), a patient's record as POSTs with <c>urn:uuid:</c> fullUrls (the server assigns ids and rewrites the
/// references), except a fixed patient id, which is a PUT.
/// </summary>
public static class TransactionBundles
{
    public static Bundle Shared(GeneratorOptions options) => From(new SharedData(options).Entries());

    /// <summary>The patient's transaction. Consumes the record: POSTed resources lose their client-side id.</summary>
    public static Bundle Patient(PatientRecord record) => From(record.Entries);

    private static Bundle From(IEnumerable<GeneratedEntry> entries)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        foreach (var entry in entries)
        {
            var type = entry.Resource.TypeName;
            var request = entry.Put
                ? new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"{type}/{entry.Resource.Id}" }
                : new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = type };
            if (!entry.Put) entry.Resource.Id = null;
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = entry.FullUrl, Resource = entry.Resource, Request = request });
        }
        return bundle;
    }
}
