using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Core.Operations.Export;

/// <summary>The <c>FhirPortal:Export</c> configuration section (Bulk Data $export jobs); validated at start-up.</summary>
public sealed class ExportOptions
{
    public const string Section = "FhirPortal:Export";

    /// <summary>How many export jobs run at the same time; further jobs wait in order.</summary>
    [Range(1, 64)]
    public int MaxParallelJobs { get; set; } = 2;

    /// <summary>An NDJSON file is closed and the next one started before it would grow beyond this size.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Resources read from the store per page; progress is saved after each page.</summary>
    [Range(1, 10000)]
    public int PageSize { get; set; } = 1000;

    /// <summary>How long a finished job's files stay available; after that they are deleted and the job answers 404.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The Retry-After (seconds) a status request gets while the job runs.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 2;

    /// <summary>Where job folders are written; the host sets it to the data directory's <c>export</c> folder when empty.</summary>
    public string? Directory { get; set; }
}
