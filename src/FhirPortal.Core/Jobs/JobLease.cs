using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Core.Jobs;

/// <summary>Which server instance runs a job, and until when that holds unless it renews the lease.</summary>
public sealed record JobLease(string Instance, DateTimeOffset Expires);

/// <summary>A persisted job state that can be leased: its lease, and whether it still has work to do.</summary>
public interface ILeasedJobState
{
    /// <summary>The lease as last saved (persisted as the state's <c>Lease</c> property); null when no instance holds it.</summary>
    JobLease? Lease { get; }

    /// <summary>Whether the job still has work to do (not finished, failed or cancelled).</summary>
    bool Runnable { get; }

    /// <summary>Whether the job was cancelled (DELETE): its owner stops and removes its files.</summary>
    bool Cancelled { get; }
}

/// <summary>Thrown when a job's lease was lost (another instance took the job over, or it was cancelled): the run stops without writing.</summary>
public sealed class JobLeaseLostException(string id) : Exception($"Job {id} is no longer leased to this instance.");

/// <summary>The <c>FhirPortal:Jobs</c> configuration section: leases of background jobs across server instances.</summary>
public sealed class JobOptions
{
    public const string Section = "FhirPortal:Jobs";

    /// <summary>How long a lease holds without renewal: an instance that dies gives its jobs up after at most this long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often an instance looks for jobs with no live lease (new, or their instance died).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>This process's identity for job leases (a new one per start) and the lease clock.</summary>
public sealed class JobLeasing(JobOptions options, TimeProvider clock)
{
    /// <summary>This instance's id: a process that restarts is a new instance and waits for its old leases like any other.</summary>
    public string Instance { get; } = Guid.NewGuid().ToString("N");

    public JobOptions Options => options;

    public TimeProvider Clock => clock;

    /// <summary>A lease for this instance, from now.</summary>
    public JobLease NewLease() => new(Instance, clock.GetUtcNow() + options.LeaseDuration);

    /// <summary>Whether this instance may claim a job with this lease: nobody holds it, it ran out, or it is this instance's.</summary>
    public bool Claimable(JobLease? lease) => lease is null || lease.Instance == Instance || lease.Expires <= clock.GetUtcNow();
}
