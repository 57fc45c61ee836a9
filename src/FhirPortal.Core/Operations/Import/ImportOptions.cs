using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Core.Operations.Import;

/// <summary>The <c>FhirPortal:Import</c> configuration section (Bulk Data $import jobs); validated at start-up.</summary>
public sealed class ImportOptions
{
    public const string Section = "FhirPortal:Import";

    /// <summary>The folder <c>file:</c> inputs must lie under; the host sets it to the data directory's <c>import</c> folder when empty.</summary>
    public string? Root { get; set; }

    /// <summary>Hosts whose http(s) URLs may be imported (exact host names or IP literals); none by default.</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Whether an allowed host may resolve to a loopback, private or link-local address (tests, a private network).</summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Whether imported resources pass the server's write-time validation (profiles, RequireProfiles); a kick-off may turn it off.</summary>
    public bool Validate { get; set; } = true;

    /// <summary>Resources committed together; progress is saved after each batch.</summary>
    [Range(1, 10000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>How many import jobs run at the same time; further jobs wait in order.</summary>
    [Range(1, 16)]
    public int MaxParallelJobs { get; set; } = 1;

    /// <summary>The longest line (bytes) an input may hold; a longer one is rejected as an error line.</summary>
    [Range(1024, int.MaxValue)]
    public int MaxLineBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>How long a finished job's status and error file stay available.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The Retry-After (seconds) a status request gets while the job runs.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 2;

    /// <summary>How long fetching one URL input may stall (waiting for the headers, or for any read of the body) before it fails.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a URL input whose connection broke off mid-body is requested again (from where it broke) before it fails.</summary>
    [Range(0, 100)]
    public int ReadRetries { get; set; } = 3;

    /// <summary>Where job folders (error files) are written; the host sets it to the data directory's <c>import-jobs</c> folder when empty.</summary>
    public string? Directory { get; set; }
}
