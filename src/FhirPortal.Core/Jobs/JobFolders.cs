using System.Text.Json;
using FhirPortal.Storage;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Core.Jobs;

/// <summary>A job state whose files expire: when it ended (completed or failed; null otherwise) and the tombstone that replaces it.</summary>
public interface IExpiringJobState<out T>
{
    /// <summary>When the job completed or failed; null while it runs and once it was deleted.</summary>
    DateTimeOffset? Ended { get; }

    /// <summary>The state saved when its files expire (the job then answers 404).</summary>
    T Expired();
}

/// <summary>
/// The folders of one kind of job (one per job, under <paramref name="directory"/>) and their expiry: every minute the
/// folders of jobs that ended longer ago than <paramref name="retention"/> are deleted and the jobs marked expired.
/// </summary>
public sealed class JobFolders<T>(IResourceStore store, string kind, string directory, TimeSpan retention, TimeProvider clock, ILogger logger)
    where T : class, IExpiringJobState<T>
{
    /// <summary>The folder holding every job's folder (absolute).</summary>
    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>The folder of one job.</summary>
    public string Of(string id) => Path.Combine(Directory, id);

    /// <summary>Removes a job's folder, if it has one.</summary>
    public void Delete(string id)
    {
        var folder = Of(id);
        if (System.IO.Directory.Exists(folder)) System.IO.Directory.Delete(folder, recursive: true);
    }

    /// <summary>Expires ended jobs once a minute until <paramref name="stopping"/>.</summary>
    public async Task ExpireAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), clock);
        do
        {
            var cutoff = clock.GetUtcNow() - retention;
            try
            {
                foreach (var job in await store.ListJobsAsync(kind, stopping))
                {
                    if (JsonSerializer.Deserialize<T>(job.State) is not { Ended: { } ended } state || ended > cutoff) continue;
                    Delete(job.Id);
                    await store.SaveJobAsync(new JobRecord(job.Id, kind, JsonSerializer.Serialize(state.Expired())), stopping);
                }
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                // A store hiccup must not end the background service (and with it the host): the next tick tries again.
                logger.LogWarning(e, "Expiring {Kind} jobs failed; trying again in a minute", kind);
            }
        } while (await timer.WaitForNextTickAsync(stopping));
    }
}
