using System.Text.Json.Serialization;
using FhirPortal.Core.Access;
using FhirPortal.Core.Jobs;

namespace FhirPortal.Core.Operations.Export;

/// <summary>
/// A Bulk Data export job as persisted in the store's job table: the kick-off (who, what, when), and progress
/// (current type, store cursor, files so far) saved after every page, so a restart resumes where it stopped.
/// </summary>
public sealed record ExportJobState : ILeasedJobState, IExpiringJobState<ExportJobState>
{
    public const string Running = "running", Completed = "completed", Failed = "failed", Deleted = "deleted";

    public required string Status { get; init; }
    /// <summary>The requesting client (<c>client_id</c>, else <c>sub</c>, else "anonymous"); only it may see the job.</summary>
    public required string Owner { get; init; }
    /// <summary>The kick-off caller's scopes and launch context; the job exports only what they allow, also after a restart.</summary>
    public required Caller Access { get; init; }
    /// <summary>The kick-off request URL, returned in the manifest.</summary>
    public required string Request { get; init; }
    public required DateTimeOffset TransactionTime { get; init; }
    /// <summary>Patient-level and Group exports cover these patients' records (every patient when null); system level everything.</summary>
    public required bool PatientRecords { get; init; }
    public IReadOnlyList<string>? Patients { get; init; }
    /// <summary>The types to export, in order (all types when <c>_type</c> was not given).</summary>
    public required IReadOnlyList<string> Types { get; init; }
    public IReadOnlyList<string>? RequestedTypes { get; init; }
    public DateTimeOffset? Since { get; init; }
    /// <summary><c>_typeFilter</c> values as given (<c>Type?query</c>), re-parsed when the job runs.</summary>
    public IReadOnlyList<string> TypeFilters { get; init; } = [];
    /// <summary>Problems found at kick-off that do not stop the export (e.g. a Group member that is not stored); written to the error file.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public int TypeIndex { get; init; }
    public string? Cursor { get; init; }
    public List<ExportFile> Files { get; init; } = [];
    public long Exported { get; init; }
    public DateTimeOffset? Finished { get; init; }
    public string? Error { get; init; }
    public JobLease? Lease { get; init; }

    [JsonIgnore] public bool Runnable => Status == Running;
    [JsonIgnore] public bool Cancelled => Status == Deleted;
    [JsonIgnore] public DateTimeOffset? Ended => Status is Completed or Failed ? Finished : null;

    public ExportJobState Expired() => this with { Status = Deleted };
}

/// <summary>One NDJSON output file: its resource type, file name, resource count and size so far.</summary>
public sealed class ExportFile
{
    public required string Type { get; init; }
    public required string Name { get; init; }
    public long Count { get; set; }
    public long Bytes { get; set; }
}
