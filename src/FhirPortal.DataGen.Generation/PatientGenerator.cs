namespace FhirPortal.DataGen.Generation;

/// <summary>
/// Generates patient records one at a time from (seed, index): nothing is kept between patients, so any number can be
/// streamed. Record sizes follow <see cref="GeneratorOptions.ResourcesPerPatient"/> approximately.
/// </summary>
public sealed class PatientGenerator(GeneratorOptions options)
{
    public GeneratorOptions Options => options;

    public PatientRecord Generate(int index) => new PatientBuilder(options, index).Build();

    /// <summary>All patients, lazily, in index order.</summary>
    public IEnumerable<PatientRecord> All()
    {
        for (var i = 0; i < options.Patients; i++) yield return Generate(i);
    }
}
