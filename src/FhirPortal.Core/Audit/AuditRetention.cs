using System.Globalization;
using FhirPortal.Core.Interactions;
using FhirPortal.Storage;

namespace FhirPortal.Core.Audit;

/// <summary>
/// Removes AuditEvents recorded before the retention (<see cref="AuditOptions.Retention"/>) with their history and
/// index rows, in small batches. Only AuditEvent is ever purged; every other type keeps every version.
/// </summary>
/// <remarks>
/// Safe to run on several instances at once: each batch is found again by search and removing a removed resource
/// is a no-op, so a second purger only repeats a little work.
/// </remarks>
public sealed class AuditRetention(IResourceStore store, ConditionalCriteria criteria, AuditOptions options, TimeProvider clock)
{
    /// <summary>Purges every AuditEvent older than the retention; returns how many were removed.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - options.Retention;
        // AuditEvent's "date" search parameter is AuditEvent.recorded; lt matches events wholly before the cutoff.
        var query = criteria.Parse("AuditEvent", "date=lt" + cutoff.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture))
            with { Count = options.PurgeBatchSize };
        var purged = 0;
        while (true)
        {
            // Always the first page: what the previous batch removed no longer matches.
            var page = await store.SearchAsync(query, ct);
            if (page.Entries.Count == 0) return purged;
            var removed = await store.ExpungeAsync(page.Entries.Select(e => e.Key).ToList(), ct);
            purged += removed;
            // Nothing removed (each held by a concurrent write): try again next run rather than spin.
            if (removed == 0) return purged;
        }
    }
}
