using FhirPortal.Core.SearchParameters;
using FhirPortal.Core.Validation;
using FhirPortal.Storage;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Core;

/// <summary>
/// Brings conformance resources and SearchParameters written by other instances into this one's caches: each poll
/// reads the type history of those types since the newest change it saw (less an overlap, for commits that become
/// visible after a later one and for clocks of instances that differ) and hands what changed to the same
/// <see cref="CustomSearchParameters.Committed"/> and <see cref="ConformanceSync.Committed"/> a local write calls, so
/// a change takes effect everywhere within one poll interval.
/// </summary>
public sealed class ConformanceChanges(IResourceStore store, CustomSearchParameters searchParameters, ConformanceSync conformance,
    TimeProvider clock, ILogger<ConformanceChanges> logger)
{
    /// <summary>How far back each poll looks again behind the newest change it saw.</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(1);

    private static readonly string[] Types = ["SearchParameter", .. ConformanceResources.Types];
    private readonly Dictionary<ResourceKey, StoredResource> _applied = [];
    // Versions that failed to apply: retried on later polls (they may need one that arrives later) but logged once.
    private readonly Dictionary<ResourceKey, StoredResource> _failed = [];
    private DateTimeOffset _newest = clock.GetUtcNow();

    /// <summary>Applies the changes since the last poll; returns how many versions it applied.</summary>
    public async Task<int> PollAsync(CancellationToken ct)
    {
        var since = _newest - Overlap;
        var changed = new List<StoredResource>();
        foreach (var type in Types)
        {
            var latest = new Dictionary<ResourceKey, StoredResource>();
            string? cursor = null;
            do
            {
                var page = await store.HistoryAsync(new HistoryQuery(type, null, since, null, null, 200, cursor), ct);
                // The highest version is the current one; last-updated order could pick an older one when the
                // clocks of the instances that wrote them differ.
                foreach (var version in page.Entries)
                    if (!latest.TryGetValue(version.Key, out var kept) || version.VersionId > kept.VersionId) latest[version.Key] = version;
                cursor = page.NextCursor;
            } while (cursor is not null);

            changed.AddRange(latest.Values
                .Where(v => !_applied.TryGetValue(v.Key, out var seen) || seen.VersionId < v.VersionId)
                .OrderBy(v => v.LastUpdated));
        }

        // SearchParameters first: a profile may name a parameter. Each version is applied on its own so one this
        // instance cannot use (it was accepted elsewhere) does not hold back the others; it counts as applied (and
        // moves the window on) only once it took effect.
        var applied = 0;
        foreach (var version in changed)
        {
            try
            {
                searchParameters.Committed([new ResourceWrite(version, null)]);
                conformance.Committed([new ResourceWrite(version, null)]);
                _applied[version.Key] = version;
                _failed.Remove(version.Key);
                if (version.LastUpdated > _newest) _newest = version.LastUpdated;
                applied++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (_failed.TryGetValue(version.Key, out var failed) && failed.VersionId == version.VersionId) continue;
                _failed[version.Key] = version;
                logger.LogError(e, "{Type}/{Id} version {VersionId} written by another instance could not be applied here",
                    version.Key.Type, version.Key.Id, version.VersionId);
            }
        }
        var horizon = _newest - Overlap;
        foreach (var old in _applied.Where(a => a.Value.LastUpdated < horizon).Select(a => a.Key).ToList()) _applied.Remove(old);
        foreach (var old in _failed.Where(a => a.Value.LastUpdated < horizon).Select(a => a.Key).ToList()) _failed.Remove(old);
        return applied;
    }
}
