using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Core.Refills;

/// <summary>Prescription refill settings (<c>FhirPortal:Refills</c>): earliest request time, controlled substances, the auto-refill worker.</summary>
public sealed class RefillOptions
{
    public const string Section = "FhirPortal:Refills";

    /// <summary>A refill may be requested once this fraction of the last fill's supply duration has passed.</summary>
    [Range(0.0, 1.0)]
    public double EarliestFraction { get; set; } = 0.75;

    /// <summary>
    /// Medication codes that are never refilled online (controlled substances), as <c>system|code</c> or a bare code (any
    /// system); matched against the prescription's medicationCodeableConcept or its Medication's code.
    /// </summary>
    public List<string> ControlledSubstances { get; set; } = [];

    /// <summary>Run the automatic-refill worker (tests turn it off and run a pass by hand).</summary>
    public bool Background { get; set; } = true;

    /// <summary>How often the worker looks for opted-in prescriptions whose refill window opened.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(15);
}
