using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Core.Scheduling;

/// <summary>Scheduling settings (<c>FhirPortal:Scheduling</c>): hold lifetime, patient cancellation window, $find lead time.</summary>
public sealed class SchedulingOptions
{
    public const string Section = "FhirPortal:Scheduling";

    /// <summary>How long a $hold keeps a slot before it lapses on its own.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan HoldLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Inside this span before the start a patient may no longer cancel (staff still may).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan CancellationWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>$find offers only slots starting at least this far in the future.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan LeadTime { get; set; } = TimeSpan.FromHours(2);
}
