using FhirPortal.Core.SearchParameters;
using FhirPortal.Core.Validation;
using FhirPortal.Storage;

namespace FhirPortal.Core;

/// <summary>
/// Brings conformance resources and SearchParameters written by other instances into this one's caches: each poll
/// reads the type history of those types since the newest change it saw (less an overlap, for commits that become
/// visible after a later one and for clocks of instances that differ) and hands what changed to the same
/// <see cref="CustomSearchParameters.Committed"/> and <see cref="ConformanceSync.Committed"/> a local write calls, so
/// a change takes effect everywhere within one poll interval.
/// </summary>
public sealed class ConformanceChanges(IResourceStore store, CustomSearchParameters searchParameters, ConformanceSync conformance, TimeProvider clock)
{
    /// <summary>How far back each poll looks again behind the newest change it saw.</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(1);

    private static readonly string[] Types = ["SearchParameter", .. ConformanceResources.Types];
    private readonly Dictionary<ResourceKey, StoredResource> _applied = [];
    private DateTimeOffset _newest = clock.GetUtcNow();

    /// <summary>Applies the changes since the last poll; returns how many versions it applied.</summary>
    public async Task<int> PollAsync(CancellationToken ct)
    {
        var since = _newest - Overlap;
        var changed = new List<ResourceWrite>();
        foreach (var type in Types)
        {
            var latest = new Dictionary<ResourceKey, StoredResource>();
            string? cursor = null;
            do
            {
                var page = await store.HistoryAsync(new HistoryQuery(type, null, since, null, null, 200, cursor), ct);
                foreach (var version in page.Entries) // newest first: the first version of a resource is its current one
                    latest.TryAdd(version.Key, version);
                cursor = page.NextCursor;
            } while (cursor is not null);

            foreach (var version in latest.Values.OrderBy(v => v.LastUpdated))
            {
                if (_applied.TryGetValue(version.Key, out var seen) && seen.VersionId >= version.VersionId) continue;
                _applied[version.Key] = version;
                changed.Add(new ResourceWrite(version, null));
                if (version.LastUpdated > _newest) _newest = version.LastUpdated;
            }
        }
        foreach (var old in _applied.Where(a => a.Value.LastUpdated < since).Select(a => a.Key).ToList()) _applied.Remove(old);

        // SearchParameters first: a profile may name a parameter. Each write is applied on its own so a resource this
        // instance cannot use (it was accepted elsewhere) does not hold back the others.
        foreach (var write in changed)
        {
            searchParameters.Committed([write]);
            conformance.Committed([write]);
        }
        return changed.Count;
    }
}
