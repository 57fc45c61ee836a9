using Hl7.Fhir.Model;

namespace FhirPortal.DataGen.Generation;

/// <summary>
/// One generated resource. <see cref="Resource"/>.Id is always set; references between resources of one patient use
/// <see cref="FullUrl"/> (<c>urn:uuid:</c>), references to shared resources are literal (<c>Practitioner/dg-practitioner-1</c>).
/// <see cref="Put"/>: written with PUT at its id (shared resources, a fixed patient id); otherwise POST.
/// </summary>
public sealed record GeneratedEntry(string FullUrl, Resource Resource, bool Put)
{
    public string LocalReference => $"{Resource.TypeName}/{Resource.Id}";

    public ResourceReference Reference(string? display = null) => new(FullUrl, display);
}

/// <summary>Everything generated for one patient, in dependency order (the Patient first).</summary>
public sealed record PatientRecord(int Index, IReadOnlyList<GeneratedEntry> Entries);
