namespace FhirPortal.DataGen.Generation;

/// <summary>What to generate. The output is a pure function of these values: same options, same bytes.</summary>
public sealed record GeneratorOptions
{
    public long Seed { get; init; } = 1;

    public int Patients { get; init; } = 10;

    /// <summary>Roughly how many resources each patient's record holds (visits, vitals, labs, messages, claims scale with it).</summary>
    public int ResourcesPerPatient { get; init; } = 100;

    /// <summary>"Today" for the data: history lies before it, upcoming appointments and free slots after it.</summary>
    public DateOnly AsOf { get; init; } = DateOnly.FromDateTime(DateTime.UtcNow);

    /// <summary>When set, the first patient gets this id (e.g. <c>demo-patient</c>, the SMART demo user's Patient) and is written with PUT.</summary>
    public string? FirstPatientId { get; init; }

    /// <summary>The identifier system of generated MRNs.</summary>
    public string MrnSystem { get; init; } = "http://fhirportal.org/fhir/sid/mrn";
}
