using System.Text.Json.Serialization;
using FhirPortal.Core.Access;
using FhirPortal.Core.Jobs;

namespace FhirPortal.Core.Operations.Import;

/// <summary>
/// A Bulk Data import job as persisted in the store's job table: the kick-off (who, which inputs, validation) and
/// progress (current input, lines done and their byte offset, counts, error file length) saved after every batch,
/// so a restart resumes after the last committed batch.
/// </summary>
public sealed record ImportJobState : ILeasedJobState, IExpiringJobState<ImportJobState>
{
    public const string Running = "running", Completed = "completed", Failed = "failed", Deleted = "deleted";

    public required string Status { get; init; }
    /// <summary>The requesting client (<c>client_id</c>, else <c>sub</c>, else "anonymous"); only it may see the job.</summary>
    public required string Owner { get; init; }
    /// <summary>The kick-off caller: the job writes with its access, also after a restart.</summary>
    public required Caller Access { get; init; }
    public required string Request { get; init; }
    public required DateTimeOffset TransactionTime { get; init; }
    public required IReadOnlyList<ImportInput> Inputs { get; init; }
    public required bool Validate { get; init; }
    public string? InputSource { get; init; }

    /// <summary>The input being read; <see cref="Line"/> lines of it (up to byte <see cref="Offset"/>) are done.</summary>
    public int InputIndex { get; init; }
    public long Line { get; init; }
    public long Offset { get; init; }
    /// <summary>What the URL input being read held when first read; a resume from <see cref="Offset"/> requires the same.</summary>
    public SourceVersion? Source { get; init; }
    /// <summary>Resources imported from each input (same order as <see cref="Inputs"/>).</summary>
    public IReadOnlyList<long> Imported { get; init; } = [];
    /// <summary>Rejected lines of each input.</summary>
    public IReadOnlyList<long> Rejected { get; init; } = [];
    /// <summary>The error file's length at the last checkpoint (what was written after it is cut off on resume).</summary>
    public long ErrorBytes { get; init; }
    public DateTimeOffset? Finished { get; init; }
    public string? Error { get; init; }
    public JobLease? Lease { get; init; }

    [JsonIgnore] public bool Runnable => Status == Running;
    [JsonIgnore] public bool Cancelled => Status == Deleted;
    [JsonIgnore] public DateTimeOffset? Ended => Status is Completed or Failed ? Finished : null;

    public ImportJobState Expired() => this with { Status = Deleted };

    public long ImportedTotal => Imported.Sum();
    public long RejectedTotal => Rejected.Sum();
}

/// <summary>One NDJSON input: the resource type its lines hold and where to read it (<c>file:</c> or http(s)).</summary>
public sealed record ImportInput(string Type, string Url);
