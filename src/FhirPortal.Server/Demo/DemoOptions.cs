using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Server.Demo;

/// <summary>The <c>FhirPortal:Demo</c> section: load a small generated data set into an empty store at start-up.</summary>
public sealed class DemoOptions
{
    public const string Section = "FhirPortal:Demo";

    /// <summary>Generate and load demo data when the store holds no patients yet.</summary>
    public bool Seed { get; set; }

    [Range(1, 10_000)]
    public int Patients { get; set; } = 10;

    /// <summary>Approximate size of each patient's record.</summary>
    [Range(20, 10_000)]
    public int ResourcesPerPatient { get; set; } = 100;

    /// <summary>The generator's seed: the same seed (on the same day) gives the same data.</summary>
    public long RandomSeed { get; set; } = 1;
}
