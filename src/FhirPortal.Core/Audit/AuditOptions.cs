using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Core.Audit;

/// <summary>The <c>FhirPortal:Audit</c> configuration section: the access audit of reads (its queue and how often it is written) and its retention.</summary>
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

    /// <summary>
    /// Queued accesses written per transaction (as fewer AuditEvents once aggregated). The writer is one loop, so this
    /// bounds how fast it drains: at 500 a busy server's reads waited on a full queue (c16 reads 8,300/s, p99 30 ms,
    /// against 13,700/s and 5.5 ms at 5,000; BENCHMARKS.md "Access audit cost").
    /// </summary>
    [Range(1, 20_000)]
    public int BatchSize { get; set; } = 5_000;

    /// <summary>
    /// The most distinct entities one AuditEvent lists when the accesses of one flush by one user, app and address to one
    /// patient's record, with one outcome, are aggregated (a repeat is counted, not listed again; an access naming more
    /// starts another event; one access is never split; 2, the patient and one record, keeps every access in its own event).
    /// </summary>
    [Range(2, 10_000)]
    public int EntitiesPerEvent { get; set; } = 100;

    /// <summary>How long AuditEvents are kept (by <c>recorded</c>); older ones are removed for good. HIPAA: six years.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "36500.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(6 * 365 + 2);

    /// <summary>Run the retention purge in the background (test hosts turn it off and run it when they choose).</summary>
    public bool Purge { get; set; } = true;

    /// <summary>Time between two retention purges.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>AuditEvents removed per store call: one short SQLite transaction each, so writes wait only briefly.</summary>
    [Range(1, 5000)]
    public int PurgeBatchSize { get; set; } = 200;
}
