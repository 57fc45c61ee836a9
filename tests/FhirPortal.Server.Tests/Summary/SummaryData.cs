using FhirPortal.Server.Tests.Trends;

namespace FhirPortal.Server.Tests.Summary;

/// <summary>
/// Two Synthea patients: <see cref="Full"/> (4 active problems, 2 active medications, 6 allergies) and
/// <see cref="Sparse"/> (no active problem, no active medication, no allergy), loaded into one secured host.
/// </summary>
public sealed class SummaryData() : SyntheaPatientData(Full, Sparse)
{
    public const string Full = "b3664f86-0ce9-4a2c-ae85-4d390d438512.json";
    public const string Sparse = File;
}
