using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Core.Audit;

/// <summary>The <c>FhirPortal:Audit</c> configuration section: the access audit of reads (its queue and how often it is written).</summary>
public sealed class AuditOptions
{
    public const string Section = "FhirPortal:Audit";

    /// <summary>Record an AuditEvent for every read, search, history and export of patient data (off only for comparisons).</summary>
    public bool Reads { get; set; } = true;

    /// <summary>Accesses waiting to be written; a full queue holds the request back for <see cref="FullWait"/>.</summary>
    [Range(16, 1_000_000)]
    public int QueueCapacity { get; set; } = 20_000;

    /// <summary>How long a request waits for room in a full queue before its audit record is dropped (and counted).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan FullWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest time an access waits in the queue before its batch is written: the crash-loss bound.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>AuditEvents written per transaction.</summary>
    [Range(1, 5000)]
    public int BatchSize { get; set; } = 500;
}
